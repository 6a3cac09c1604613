/**
 * The OpenAPI document (/openapi.json) and its reference page (/docs): every route the server
 * serves is in the document with its responses, errors included; the README names no route the
 * document lacks; the page renders in a real browser from the server's own files under a strict
 * Content-Security-Policy.
 */
import { formatParamUrl } from '@fastify/swagger';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../http/errors.js';
import { readmeRoutes } from './support/readme-routes.js';
import { startE2eServer, type E2eServer } from './support/server.js';

interface Operation {
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: { error: { properties: { code: { anyOf: { const: string }[] } } } } }> };
}

const ERROR_REF = '#/components/schemas/ErrorBody';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Fastify's `/v1/playlists/:id` as the document writes it: `/v1/playlists/{id}`. */
const openApiPath = (url: string) => formatParamUrl(url);

let s: E2eServer;
let doc: Document;
beforeAll(async () => {
  s = await startE2eServer('openapi', { settle: false });
  const answer = await s.api.request<Document>('GET', '/openapi.json', { token: null });
  expect(answer.status).toBe(200);
  doc = answer.body;
});
afterAll(async () => {
  await s?.close();
});

/** Every documented operation, as `METHOD path`. */
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
  );

/** The routes served, as `METHOD path`, without the HEAD twins Fastify adds to GET routes. */
const served = () => s.routes().filter((route) => route.method !== 'HEAD');

describe('/openapi.json', () => {
  it('is OpenAPI 3.1, served without a token', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Chorus API' });
  });

  it('lists every route the server serves, and nothing else', () => {
    const documented = new Set(operations().map((op) => op.key));
    const routes = served().filter((route) => route.documented).map((route) => `${route.method} ${openApiPath(route.url)}`);
    expect(routes.filter((route) => !documented.has(route)), 'served but not documented').toEqual([]);
    expect([...documented].filter((op) => !routes.includes(op)), 'documented but not served').toEqual([]);
    expect(routes.length).toBeGreaterThan(20);
  });

  it('keeps only files (the reference page\'s, static assets) out of the document, never an API route', () => {
    const hidden = served().filter((route) => !route.documented);
    expect(hidden.map((route) => route.url)).toContain('/docs/static/*');
    for (const route of hidden) {
      expect(route.method, `${route.method} ${route.url} is hidden`).toBe('GET');
      expect(route.url, `${route.method} ${route.url} is hidden`).not.toMatch(/^\/(v1|rest)(\/|$)|^\/(healthz|readyz|metrics|openapi\.json)$/);
    }
  });

  it('gives every operation a success answer with its schema, and 4XX/5XX answers with the error envelope', () => {
    for (const { key, operation } of operations()) {
      const codes = Object.keys(operation.responses);
      const successes = codes.filter((code) => /^[23]\d\d$/.test(code));
      expect(successes, `${key}: no success response`).not.toEqual([]);
      for (const code of successes) {
        if (code === '204') continue;
        const content = operation.responses[code]!.content;
        expect(content && Object.values(content)[0]?.schema, `${key} ${code}: no schema`).toBeDefined();
      }
      for (const code of ['4XX', '5XX']) {
        expect(operation.responses[code]?.content?.['application/json']?.schema, `${key} ${code}`).toEqual({ $ref: ERROR_REF });
      }
    }
  });

  it('describes the error envelope with every error code', () => {
    const codes = doc.components.schemas.ErrorBody!.properties.error.properties.code.anyOf.map((option) => option.const);
    expect(codes.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('asks for a bearer token on /v1 routes, and for none on the public ones', () => {
    const open = new Set([
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /openapi.json',
      'POST /v1/auth/dev-token',
      'GET /v1/auth/methods',
      'POST /v1/auth/signup',
      'POST /v1/auth/login',
      'POST /v1/auth/refresh',
      'POST /v1/auth/logout',
      'GET /v1/albums/{id}/cover',
      'GET /v1/downloads/{token}/{trackId}/{*}', // authorised by its signed token, as media URLs are
    ]);
    for (const { key, operation } of operations()) {
      if (open.has(key)) expect(operation.security, key).toEqual([]);
      else if (key.split(' ')[1]!.startsWith('/v1/')) expect(operation.security, key).toBeUndefined();
    }
    expect(doc).toMatchObject({ security: [{ bearer: [] }], components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } });
  });

  it('tags every operation with its area', () => {
    const tagOf = (key: string) => operations().find((op) => op.key === key)?.operation.tags;
    expect(tagOf('GET /v1/playlists/{id}')).toEqual(['playlists']);
    expect(tagOf('POST /v1/me/plays')).toEqual(['plays']);
    expect(tagOf('GET /metrics')).toEqual(['operations']);
    for (const { key, operation } of operations()) expect(operation.tags?.length, key).toBe(1);
  });
});

describe('README', () => {
  it('reads the route forms the README uses', () => {
    const table = [
      '| route | answer |',
      '| `GET /v1/tracks/:id`, `/v1/albums/:id` | x |',
      '| `PUT`/`DELETE /v1/me/following/users/:id`, `/artists/:id` | `204` |',
      '| `GET /v1/users/:id/followers`, `/following?limit=` | x |',
      '| `PUT /v1/playlists/:id/collaborators/:userId` `{role}`, `DELETE …` | x |',
      '| `GET /healthz` / `GET /readyz` | x |',
      '| `WS /v1/sync/playlists/:playlistId?token=` | x |',
      '| `CHORUS_PORT` | `8080` |',
    ].join('\n');
    expect(readmeRoutes(table).map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /v1/tracks/{id}',
      'GET /v1/albums/{id}',
      'PUT /v1/me/following/users/{id}',
      'DELETE /v1/me/following/users/{id}',
      'PUT /v1/me/following/artists/{id}',
      'DELETE /v1/me/following/artists/{id}',
      'GET /v1/users/{id}/followers',
      'GET /v1/users/{id}/following',
      'PUT /v1/playlists/{id}/collaborators/{userId}',
      'DELETE /v1/playlists/{id}/collaborators/{userId}',
      'GET /healthz',
      'GET /readyz',
    ]);
  });

  it('names no route the document lacks', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const named = readmeRoutes(readme);
    expect(named.length).toBeGreaterThan(20);
    // Path parameters may be named differently in the README (`:playlistId` for `:id`).
    const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
    const documented = new Set(operations().map((op) => `${op.key.split(' ')[0]} ${shape(op.key.split(' ')[1]!)}`));
    const missing = named.filter((route) => !documented.has(`${route.method} ${shape(route.path)}`));
    expect(missing.map((route) => `README.md:${route.line} ${route.method} ${route.path}`)).toEqual([]);
  });
});

describe('/docs', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('is served with a strict Content-Security-Policy', async () => {
    const page = await fetch(`${s.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )style-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
  });

  it('renders every operation in a browser from the server\'s own files, with no policy violation', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(s.url) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${s.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    // Swagger UI shows one block per operation (grouped by tag, all groups open).
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 10_000 }).toBe(operations().length);
    expect(await page.locator('.info .title').innerText()).toMatch(/Chorus API/);
    expect(await page.title()).toBe('Chorus API');
    expect(foreign, 'requests to other origins').toEqual([]);
    expect(problems, 'console errors (Content-Security-Policy violations among them)').toEqual([]);
    await page.close();
  }, 60_000);
});

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // not this one
    }
  }
  throw new Error('no Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH');
}
