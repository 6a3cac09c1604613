/**
 * Hostile HTTP requests, as an attacker would send them: paths percent-encoded to slip past the
 * auth check, text a store cannot hold (NUL, lone surrogates), requests Node or the router refuse
 * before any route (oversized headers, URLs that do not decode, parameters over the limit),
 * request ids that would end up in events and logs, and what the public /readyz gives away. Each
 * gets a clear refusal in the documented envelope, nothing is stored, and the server serves on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, type ApiClient } from '../support/api-client.js';
import { rawRequest } from '../support/raw-http.js';
import { expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

let s: E2eServer;
let alice: ApiClient;
let aliceId: string;
let port: number;

beforeAll(async () => {
  s = await startE2eServer('hostile', { env: { CHORUS_MAX_PLAYLISTS_PER_USER: '3' } });
  aliceId = uniqueUser('alice');
  alice = await s.login(aliceId);
  port = Number(new URL(s.url).port);
});
afterAll(async () => {
  await s?.close();
});

/** A raw GET of `path` (sent as is), with extra header lines. */
function rawGet(path: string, headers: Record<string, string> = {}) {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return rawRequest(port, `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
}

function expectEnvelope(answer: { status: number; headers: Record<string, string>; body: string }, status: number, code: string): void {
  const context = `${status} ${code} expected; got ${answer.status} ${answer.body.slice(0, 200)}`;
  expect(answer.status, context).toBe(status);
  expect(answer.headers['content-type'] ?? '', context).toMatch(/^application\/json/);
  expect(JSON.parse(answer.body), context).toEqual({ error: { code, message: expect.any(String) } });
}

describe('authentication by the matched route', () => {
  const encoded = () => [
    `/%761/users/${aliceId}/followers`,
    '/%761/search?q=rain',
    '/%761/charts/tracks',
    '/%761/tracks/demo-track-0-1',
    '/%761/albums/demo-album-0',
    '/%761/artists/demo-artist-0',
    '/v1/%73earch?q=rain',
    '/%76%31/me',
  ];

  it('a percent-encoded path to a route that needs a token needs it too (401), and answers with one (200)', async () => {
    for (const path of encoded()) {
      const answer = await rawGet(path);
      expectEnvelope(answer, 401, 'UNAUTHENTICATED');
      const withToken = await alice.get(path);
      expect(withToken.status, `${path} with a token: ${withToken.text.slice(0, 200)}`).toBe(200);
    }
  });

  it('a path no route matches answers 404 ROUTE_NOT_FOUND (with or without a token); public routes need none', async () => {
    expectEnvelope(await rawGet('/v1/no-such-route'), 404, 'ROUTE_NOT_FOUND');
    expectError(await alice.get('/v1/no-such-route'), 'ROUTE_NOT_FOUND');
    for (const path of ['/healthz', '/readyz', '/metrics', '/%68ealthz']) expect((await rawGet(path)).status, path).toBe(200);
  });
});

describe('text a store cannot hold, refused at the edge', () => {
  const nul = 'a\u0000b';
  const lone = 'a\ud800b';

  it('a name or description with NUL or a lone surrogate is 400 on create and on PATCH, nothing is stored, the playlist works on', async () => {
    for (const name of [nul, lone, '\udc00', 'ok\ud83d']) {
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.post('/v1/playlists', { name }));
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.post('/v1/playlists', { name: 'Fine', description: name }));
    }
    const created = await alice.post<{ id: string }>('/v1/playlists', { name: 'Still fine' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const name of [nul, lone]) {
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.patch(`/v1/playlists/${id}`, { name }));
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.patch(`/v1/playlists/${id}`, { description: name }));
    }
    // A surrogate pair (an emoji) is text like any other.
    expect((await alice.patch(`/v1/playlists/${id}`, { name: 'Still fine 🎶' })).status).toBe(200);
    const added = await alice.post<{ position: string }>(`/v1/playlists/${id}/items`, { trackIds: ['demo-track-0-1'] });
    expect(added.status, added.text).toBe(201);
    const got = await alice.get<{ name: string; items: unknown[] }>(`/v1/playlists/${id}?after=${encodeURIComponent(added.body.position)}`);
    expect(got.body.name).toBe('Still fine 🎶');
    expect(got.body.items).toHaveLength(1);
    await s.settle();
  });

  it('in a JSON key, a query or a path parameter too', async () => {
    await expectRefused(s, 'VALIDATION_FAILED', () =>
      alice.request('POST', '/v1/playlists', { raw: '{"name":"x","\\u0000":1}', contentType: 'application/json' }),
    );
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.request('POST', '/v1/playlists', { raw: '{"name":"\\ud800"}', contentType: 'application/json' }));
    expectError(await alice.get('/v1/search?q=a%00b'), 'VALIDATION_FAILED');
    // A query parameter that does not decode is taken as it is written (no surrogate reaches anything).
    expect((await alice.get('/v1/search?q=%ED%A0%80')).status).toBe(200);
    expectError(await alice.get('/v1/tracks/a%00b'), 'VALIDATION_FAILED');
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.post('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 60_000, deviceId: nul }));
  });
});

describe('requests refused before any route, in the same envelope', () => {
  it('headers over the limit: 431 REQUEST_HEADERS_TOO_LARGE', async () => {
    expectEnvelope(await rawGet('/v1/me', { 'X-Filler': 'x'.repeat(20_000) }), 431, 'REQUEST_HEADERS_TOO_LARGE');
    expectEnvelope(await rawGet(`/v1/search?q=${'x'.repeat(20_000)}`), 431, 'REQUEST_HEADERS_TOO_LARGE');
  });

  it('a URL that does not decode: 400 VALIDATION_FAILED; a path parameter over 256 characters: 414 URL_TOO_LONG', async () => {
    for (const path of ['/v1/playlists/%E0%A4%A', '/v1/tracks/%ED%A0%80', '/v1/users/%/followers']) {
      expectEnvelope(await rawGet(path, { Authorization: `Bearer ${alice.token}` }), 400, 'VALIDATION_FAILED');
    }
    expectEnvelope(await rawGet(`/v1/tracks/${'a'.repeat(300)}`, { Authorization: `Bearer ${alice.token}` }), 414, 'URL_TOO_LONG');
  });

  it('broken HTTP: 400 VALIDATION_FAILED', async () => {
    expectEnvelope(await rawRequest(port, 'GET /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), 400, 'VALIDATION_FAILED');
  });

  it('after all of it the server still serves', async () => {
    expect((await alice.get('/v1/me')).status).toBe(200);
  });
});

describe('request ids', () => {
  /** The correlation id of the events a request caused: its request id. */
  async function correlationOf(requestId: string | undefined): Promise<{ answered: string | null; stored: unknown }> {
    const headers: Record<string, string> = requestId === undefined ? {} : { 'x-request-id': requestId };
    const created = await alice.post<{ id: string }>('/v1/playlists', { name: `Ids ${randomUUID().slice(0, 4)}` }, { headers });
    expect(created.status, created.text).toBe(201);
    const [event] = await s.stream(`playlist-${created.body.id}`);
    await alice.delete(`/v1/playlists/${created.body.id}`);
    return { answered: created.headers.get('x-request-id'), stored: event!.metadata.correlationId };
  }

  it('a plain id is kept (answered and used as the events\' correlation id); markup or 8 KB is replaced by a UUID', async () => {
    const kept = await correlationOf('trace-1234_ab.cd:ef');
    expect(kept).toEqual({ answered: 'trace-1234_ab.cd:ef', stored: 'trace-1234_ab.cd:ef' });
    for (const bad of ['<script>alert(1)</script>', 'x'.repeat(8 * 1024), 'a b', '']) {
      const replaced = await correlationOf(bad);
      expect(replaced.answered, bad.slice(0, 30)).toMatch(/^[0-9a-f-]{36}$/);
      expect(replaced.stored).toBe(replaced.answered);
    }
  });
});

describe('/readyz, public, gives nothing away', () => {
  it('names a projection that skipped a poison event and counts it, without SQL text, event ids or values', async () => {
    // A malformed play stored by a bad writer (not through the API, which checks plays).
    const poison = randomUUID();
    await s.store.append(`listens-${aliceId}`, [{ id: poison, type: 'TrackPlayed', data: { userId: aliceId, trackId: 'demo-track-0-1', playedAt: 'yesterday', msPlayed: 'lots' } }]);
    const played = await alice.post<{ position: string }>('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 60_000 });
    expect(played.status).toBe(202);
    // The projections went past it: the play after it is there.
    const recent = await alice.get<{ items: unknown[] }>(`/v1/me/plays/recent?after=${encodeURIComponent(played.body.position)}`);
    expect(recent.status, recent.text).toBe(200);
    expect(recent.body.items).toHaveLength(1);
    const ready = await s.api.get<{ status: string; checks: Array<{ name: string; ok: boolean; detail?: string }> }>('/readyz');
    expect(ready.status).toBe(200);
    const projections = ready.body.checks.find((c) => c.name === 'projections')!;
    expect(projections.ok).toBe(true);
    expect(projections.detail).toMatch(/recent-plays skipped 1 event/);
    expect(ready.text).not.toContain(poison);
    expect(ready.text).not.toMatch(/select|insert|SQLSTATE|listens-|lots|yesterday/i);
  });
});

describe('playlists per user', () => {
  it('past CHORUS_MAX_PLAYLISTS_PER_USER (3) a create is 403 PLAYLIST_LIMIT_REACHED and stores nothing; deleting one makes room', async () => {
    const bob = await s.login(uniqueUser('bob'));
    const ids: string[] = [];
    let last = '';
    for (let i = 0; i < 3; i += 1) {
      const created = await bob.post<{ id: string; position: string }>('/v1/playlists', { name: `Mine ${i}` });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
      last = created.body.position;
    }
    await bob.get(`/v1/me/playlists?after=${encodeURIComponent(last)}`);
    await expectRefused(s, 'PLAYLIST_LIMIT_REACHED', () => bob.post('/v1/playlists', { name: 'One too many' }));
    const deleted = await bob.delete(`/v1/playlists/${ids[0]}`);
    expect(deleted.status).toBe(204);
    await bob.get(`/v1/me/playlists?after=${encodeURIComponent(deleted.headers.get('chorus-position')!)}`);
    expect((await bob.post('/v1/playlists', { name: 'Room again' })).status).toBe(201);
  });
});
