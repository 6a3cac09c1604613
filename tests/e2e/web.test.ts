/**
 * The web client as served by Chorus: the page at `/` and at every screen's path, with a strict
 * Content-Security-Policy and no inline script; hashed assets cached for a year, precompressed
 * for browsers that take it; nothing else of the build folder served; the build fresh after
 * start; CHORUS_WEB=0 serves the API only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENS, SCREENS_WITH_ID } from '../../http/web.js';
import * as client from '../../web/src/screens.js';
import { buildState } from '../../web/build.js';
import { expectError } from '../support/api-client.js';
import { startE2eServer, type E2eServer } from './support/server.js';

let s: E2eServer;
let page: string;
beforeAll(async () => {
  s = await startE2eServer('web');
  page = await (await fetch(`${s.url}/`)).text();
});
afterAll(async () => {
  await s?.close();
});

const assets = (html: string) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

describe('the page', () => {
  it('is served at / with a strict Content-Security-Policy, no inline script and no caching', async () => {
    const response = await fetch(`${s.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/|\*/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    // Every script is a file of this origin.
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(page).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it('is served at every screen of the client, so links and reloads work', async () => {
    expect([...SCREENS].sort()).toEqual([...client.SCREENS].sort());
    expect([...SCREENS_WITH_ID].sort()).toEqual([...client.SCREENS_WITH_ID].sort());
    const paths = [...SCREENS.map((p) => `/${p}`), ...SCREENS_WITH_ID.map((p) => `/${p}/some-id`), '/search?q=poly'];
    for (const path of paths) {
      const response = await fetch(`${s.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe(page);
    }
    const head = await fetch(`${s.url}/album/x`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('leaves other paths to the API: unknown paths, the API, and what the build folder holds besides the client', async () => {
    for (const path of ['/nope', '/album/a/b', '/assets/nope.js', '/build.json', '/index.html.gz']) {
      expectError(await s.api.get(path), 'ROUTE_NOT_FOUND');
    }
    expectError(await s.api.get('/v1/me'), 'UNAUTHENTICATED');
    expectError(await (await s.login('web-reader')).get('/v1/nope'), 'ROUTE_NOT_FOUND');
  });
});

describe('the assets', () => {
  it('are hashed files cached for a year, sent precompressed to browsers that accept it', async () => {
    const files = assets(page);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('.css'))).toBe(true);
    for (const file of files) {
      const plain = await fetch(`${s.url}${file}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.status, file).toBe(200);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('content-type')).toMatch(file.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(plain.headers.get('etag')).toBeTruthy();
      expect(plain.headers.get('vary')).toMatch(/accept-encoding/i);
      const body = await plain.arrayBuffer();
      const compressed = await fetch(`${s.url}${file}`, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(compressed.headers.get('content-encoding')).toBe('br');
      // fetch decodes it: the same bytes.
      expect(Buffer.from(await compressed.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
    }
  });

  it('match the sources: the server found the build fresh, or rebuilt it', async () => {
    const state = await buildState();
    expect(state.kind).toBe('fresh');
  });
});

describe('CHORUS_WEB=0', () => {
  it('serves the API without the client', async () => {
    const apiOnly = await startE2eServer('web_off', { env: { CHORUS_WEB: '0' }, settle: false });
    try {
      expectError(await apiOnly.api.get('/'), 'ROUTE_NOT_FOUND');
      expect((await fetch(`${apiOnly.url}/healthz`)).status).toBe(200);
    } finally {
      await apiOnly.close();
    }
  });
});
