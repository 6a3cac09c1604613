/**
 * Authentication in development mode: POST /v1/auth/dev-token, GET /v1/me, and every way a
 * bearer token can be missing or wrong. Also: unknown routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, signDevToken, type ApiClient } from '../support/api-client.js';
import { DEV_SECRET, OVERSIZED, expectNothingWritten, expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('auth');
});
afterAll(async () => {
  await s?.close();
});

const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('POST /v1/auth/dev-token', () => {
  it('issues a token for a new user and registers them; the token works on GET /v1/me', async () => {
    const userId = uniqueUser('dev');
    const issued = await s.api.post<{ token: string; userId: string }>('/v1/auth/dev-token', { userId, displayName: 'Dev Eloper' });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token: expect.any(String), userId });
    expect((await s.stream(`user-${userId}`)).map((e) => e.type)).toEqual(['UserRegistered']);

    const me = await s.api.as(issued.body.token).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId, displayName: 'Dev Eloper' });
  });

  it('a second token for the same user records nothing and keeps the first display name', async () => {
    const userId = uniqueUser('again');
    await s.login(userId, 'First Name');
    const again = await expectNothingWritten(s, () => s.api.post<{ token: string }>('/v1/auth/dev-token', { userId, displayName: 'Second Name' }));
    expect(again.status).toBe(200);
    const me = await s.api.as(again.body.token).get('/v1/me');
    expect(me.body).toMatchObject({ userId, displayName: 'First Name' });
  });

  const invalid: Array<[string, unknown]> = [
    ['an empty object', {}],
    ['no displayName', { userId: 'someone' }],
    ['no userId', { displayName: 'Someone' }],
    ['an unknown field', { userId: 'someone', displayName: 'Someone', admin: true }],
    ['a userId with a space', { userId: 'some one', displayName: 'Someone' }],
    ['a userId starting with a symbol', { userId: '-someone', displayName: 'Someone' }],
    ['a userId of 129 characters', { userId: 'u'.repeat(129), displayName: 'Someone' }],
    ['a numeric userId (ill-typed)', { userId: 42, displayName: 'Someone' }],
    ['a boolean displayName (ill-typed)', { userId: 'someone', displayName: true }],
    ['an empty displayName', { userId: 'someone', displayName: '' }],
    ['a displayName of 201 characters', { userId: 'someone', displayName: 'n'.repeat(201) }],
    ['an array', [{ userId: 'someone', displayName: 'Someone' }]],
    ['null', null],
  ];
  it.each(invalid)('refuses %s with 400 VALIDATION_FAILED and writes nothing', async (_label, body) => {
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.request('POST', '/v1/auth/dev-token', { raw: JSON.stringify(body), contentType: 'application/json' }));
  });

  it('refuses a body that is not JSON with 400', async () => {
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.request('POST', '/v1/auth/dev-token', { raw: '{"userId": "x", ', contentType: 'application/json' }));
  });

  it('refuses an empty body with 400', async () => {
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.request('POST', '/v1/auth/dev-token', { raw: '', contentType: 'application/json' }));
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('refuses Content-Type %s with 415', async (contentType) => {
    await expectRefused(s, 'UNSUPPORTED_MEDIA_TYPE', () =>
      s.api.request('POST', '/v1/auth/dev-token', { raw: contentType === 'application/x-www-form-urlencoded' ? 'userId=x&displayName=y' : '{"userId":"x","displayName":"y"}', contentType }),
    );
  });

  it('refuses a body over the limit with 413', async () => {
    await expectRefused(s, 'PAYLOAD_TOO_LARGE', () => s.api.post('/v1/auth/dev-token', { userId: 'someone', displayName: OVERSIZED }));
  });
});

describe('GET /v1/me', () => {
  let alice: ApiClient;
  let aliceId: string;
  beforeAll(async () => {
    aliceId = uniqueUser('alice');
    alice = await s.login(aliceId, 'Alice');
  });

  it('answers {userId, displayName}', async () => {
    const me = await alice.get<Record<string, unknown>>('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: aliceId, displayName: 'Alice' });
  });

  it('registers a user whose valid token it sees for the first time (name from the token)', async () => {
    const userId = uniqueUser('first');
    const token = await signDevToken(DEV_SECRET, { sub: userId, name: 'First Timer' });
    const me = await s.api.as(token).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId, displayName: 'First Timer' });
    expect((await s.stream(`user-${userId}`)).map((e) => e.type)).toEqual(['UserRegistered']);
  });

  it('accepts ?after= with a position it returned', async () => {
    const issued = await s.api.post<{ token: string; position?: string }>('/v1/auth/dev-token', { userId: uniqueUser('after'), displayName: 'After' });
    const after = issued.body.position ?? (await s.head());
    const me = await s.api.as(issued.body.token).get(`/v1/me?after=${encodeURIComponent(after)}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ displayName: 'After' });
  });

  it('refuses an unknown query parameter with 400', async () => {
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.get('/v1/me?verbose=1'));
  });

  it.each(['abc', 'x', 'not-a-position', '1:2:3', '-1:0'])('refuses the malformed position after=%s with 400 INVALID_POSITION', async (after) => {
    await expectRefused(s, 'INVALID_POSITION', () => alice.get(`/v1/me?after=${encodeURIComponent(after)}`));
  });
});

describe('refused tokens: 401 UNAUTHENTICATED, nothing written', () => {
  const cases: Array<[string, () => Promise<{ authorization?: string }>]> = [
    ['no Authorization header', async () => ({})],
    ['a Basic header', async () => ({ authorization: 'Basic YWxpY2U6c2VjcmV0' })],
    ['"Bearer" with no token', async () => ({ authorization: 'Bearer' })],
    ['"Bearer" with two tokens', async () => ({ authorization: 'Bearer abc def' })],
    ['a token that is not a JWT', async () => ({ authorization: 'Bearer not-a-jwt' })],
    ['a token signed with another secret', async () => ({ authorization: `Bearer ${await signDevToken('another-secret-of-at-least-32-characters!!', { sub: 'mallory' })}` })],
    ['an expired token', async () => ({ authorization: `Bearer ${await signDevToken(DEV_SECRET, { sub: 'late', expiresAt: nowS() - 60 })}` })],
    ['a token of another issuer', async () => ({ authorization: `Bearer ${await signDevToken(DEV_SECRET, { sub: 'iss', issuer: 'someone-else' })}` })],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await signDevToken(DEV_SECRET, { sub: 'aud', audience: 'another-api' })}` })],
    ['a token without a subject', async () => ({ authorization: `Bearer ${await signDevToken(DEV_SECRET, {})}` })],
    ['a token whose subject is not a user id', async () => ({ authorization: `Bearer ${await signDevToken(DEV_SECRET, { sub: 'not a user id' })}` })],
    ['an unsigned token (alg none)', async () => ({ authorization: `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'eve', iss: 'chorus-dev', aud: 'chorus', exp: nowS() + 600 })}.` })],
  ];

  it.each(cases)('GET /v1/me with %s', async (_label, header) => {
    const { authorization } = await header();
    const response = await expectRefused(s, 'UNAUTHENTICATED', () =>
      authorization === undefined ? s.api.get('/v1/me') : s.api.get('/v1/me', { authorization }),
    );
    expect(response.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it.each(cases)('POST /v1/me/plays with %s', async (_label, header) => {
    const { authorization } = await header();
    const body = { trackId: 'demo-track-0-1', msPlayed: 60_000 };
    await expectRefused(s, 'UNAUTHENTICATED', () =>
      authorization === undefined ? s.api.post('/v1/me/plays', body) : s.api.post('/v1/me/plays', body, { authorization }),
    );
  });
});

describe('unknown routes', () => {
  let bob: ApiClient;
  beforeAll(async () => {
    bob = await s.login(uniqueUser('bob'));
  });

  it.each([
    ['GET', '/v1/nothing-here'],
    ['DELETE', '/v1/me'],
    ['POST', '/v1/tracks/demo-track-0-1'],
    ['GET', '/v1/me/following/albums/demo-album-0'],
    ['PUT', '/v1/me/following/albums/demo-album-0'],
    ['GET', '/v2/me'],
  ] as const)('%s %s answers 404 ROUTE_NOT_FOUND', async (method, path) => {
    await expectRefused(s, 'ROUTE_NOT_FOUND', () => bob.request(method, path));
  });

  it('answers 404 ROUTE_NOT_FOUND outside /v1 without a token', async () => {
    const response = await s.api.get('/nothing-here');
    expectError(response, 'ROUTE_NOT_FOUND');
  });
});
