/**
 * Production auth: tokens of an identity provider checked against its JWKS (a tiny local JWKS
 * server here), issuer and audience. Users are registered on first use; dev tokens are off.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../support/api-client.js';
import { DEV_SECRET, expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'chorus-api';
const KID = 'e2e-key-1';

let s: E2eServer;
let jwks: Server;
let privateKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  jwks = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  const { port } = jwks.address() as AddressInfo;
  s = await startE2eServer('jwks', {
    env: {
      CHORUS_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      CHORUS_JWT_ISSUER: ISSUER,
      CHORUS_JWT_AUDIENCE: AUDIENCE,
    },
  });
});
afterAll(async () => {
  await s?.close();
  jwks?.close();
});

interface Claims {
  sub?: string;
  name?: string;
  issuer?: string;
  audience?: string;
  expiresAt?: number | string;
  key?: CryptoKey;
  kid?: string;
}

function idpToken(claims: Claims): Promise<string> {
  const jwt = new SignJWT(claims.name === undefined ? {} : { name: claims.name })
    .setProtectedHeader({ alg: 'RS256', kid: claims.kid ?? KID })
    .setIssuer(claims.issuer ?? ISSUER)
    .setAudience(claims.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresAt ?? '10m');
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(claims.key ?? privateKey);
}

describe('JWKS mode', () => {
  it('accepts a token signed by the provider and registers its user on first use', async () => {
    const userId = uniqueUser('idp');
    const api = s.api.as(await idpToken({ sub: userId, name: 'Ida Provider' }));
    const me = await api.get('/v1/me');
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ userId, displayName: 'Ida Provider' });
    expect((await s.stream(`user-${userId}`)).map((e) => e.type)).toEqual(['UserRegistered']);

    const played = await api.post('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 60_000 });
    expect(played.status).toBe(202);
    expect((await s.stream(`user-${userId}`)).map((e) => e.type)).toEqual(['UserRegistered']);
  });

  it('a token without a name registers the user under their id', async () => {
    const userId = uniqueUser('noname');
    const me = await s.api.as(await idpToken({ sub: userId })).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId, displayName: userId });
  });

  const refused: Array<[string, () => Promise<string>]> = [
    ['the wrong audience', () => idpToken({ sub: uniqueUser('aud'), audience: 'someone-else' })],
    ['the wrong issuer', () => idpToken({ sub: uniqueUser('iss'), issuer: 'https://evil.example.test/' })],
    ['an expired token', () => idpToken({ sub: uniqueUser('exp'), expiresAt: Math.floor(Date.now() / 1000) - 120 })],
    ['a token signed by another key (same kid)', () => idpToken({ sub: uniqueUser('key'), key: otherKey })],
    ['a token with an unknown kid', () => idpToken({ sub: uniqueUser('kid'), kid: 'unknown-kid' })],
    ['a token without a subject', () => idpToken({})],
    ['a dev token', () => signDevToken(DEV_SECRET, { sub: uniqueUser('dev') })],
  ];
  it.each(refused)('answers 401 UNAUTHENTICATED to %s and registers no one', async (_label, token) => {
    const api = s.api.as(await token());
    await expectRefused(s, 'UNAUTHENTICATED', () => api.get('/v1/me'));
    await expectRefused(s, 'UNAUTHENTICATED', () => api.post('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 60_000 }));
  });

  it('POST /v1/auth/dev-token answers 403 DEV_TOKENS_DISABLED and writes nothing', async () => {
    await expectRefused(s, 'DEV_TOKENS_DISABLED', () => s.api.post('/v1/auth/dev-token', { userId: uniqueUser('wannabe'), displayName: 'Wannabe' }));
  });
});
