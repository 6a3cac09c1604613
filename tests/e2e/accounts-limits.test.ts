/**
 * Sign-in limits (per account: failures; per address: attempts), behind a proxy that names the
 * client in X-Forwarded-For (CHORUS_TRUST_PROXY); and dev tokens kept on beside accounts with
 * CHORUS_DEV_TOKENS=1 (whose users have no local password).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api-client.js';
import { FAST_ARGON2_ENV, signIn, signUp } from './support/accounts.js';
import { startE2eServer, type E2eServer } from './support/server.js';

let s: E2eServer;
const from = (address: string) => ({ headers: { 'x-forwarded-for': address }, token: null });

beforeAll(async () => {
  s = await startE2eServer('accounts_limits', {
    env: {
      ...FAST_ARGON2_ENV,
      CHORUS_TRUST_PROXY: '1',
      CHORUS_DEV_TOKENS: '1',
      CHORUS_SIGNIN_FAILURES_PER_ACCOUNT: '3',
      CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS: '6',
      CHORUS_SIGNIN_WINDOW_SECONDS: '600',
    },
  });
  await signUp(s.api, 'carol', 'carol-password');
  const { client: carol } = await signIn(s.api, 'carol', 'carol-password');
  expect((await carol.post('/v1/admin/users', { username: 'dave', password: 'dave-password', displayName: 'Dave' })).status).toBe(201);
});
afterAll(async () => {
  await s?.close();
});

describe('sign-in limits', () => {
  it('after 3 failures an account is refused with 429 and Retry-After, even with the right password, from any address', async () => {
    for (let i = 0; i < 3; i += 1) expectError(await s.api.post('/v1/auth/login', { username: 'carol', password: `guess-${i}-xx` }, from(`10.0.0.${i + 1}`)), 'INVALID_CREDENTIALS');
    const refused = await s.api.post('/v1/auth/login', { username: 'CAROL', password: 'carol-password' }, from('10.0.1.1'));
    expectError(refused, 'SIGN_IN_RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
  });

  it('an unknown name is limited exactly like a real one (the limit tells nothing)', async () => {
    for (let i = 0; i < 3; i += 1) expectError(await s.api.post('/v1/auth/login', { username: 'ghost', password: `guess-${i}-xx` }, from(`10.0.2.${i + 1}`)), 'INVALID_CREDENTIALS');
    expectError(await s.api.post('/v1/auth/login', { username: 'ghost', password: 'guess-x-xx' }, from('10.0.2.9')), 'SIGN_IN_RATE_LIMITED');
  });

  it('one address gets 6 attempts across names, then 429, even for a right password; another address still signs in', async () => {
    const address = '10.9.9.9';
    for (let i = 0; i < 6; i += 1) expectError(await s.api.post('/v1/auth/login', { username: `spray${i}`, password: 'password-1' }, from(address)), 'INVALID_CREDENTIALS');
    expectError(await s.api.post('/v1/auth/login', { username: 'dave', password: 'dave-password' }, from(address)), 'SIGN_IN_RATE_LIMITED');
    const elsewhere = await s.api.post('/v1/auth/login', { username: 'dave', password: 'dave-password' }, from('10.7.7.7'));
    expect(elsewhere.status, elsewhere.text).toBe(200);
  });
});

describe('dev tokens kept on beside accounts (CHORUS_DEV_TOKENS=1)', () => {
  it('issues dev tokens though an account exists; their users have no password to change but may set an app password', async () => {
    const dev = await s.login('devuser', 'Dev User');
    expect((await dev.get('/v1/me')).status).toBe(200);
    expectError(await dev.put('/v1/me/password', { currentPassword: 'anything-at-all', newPassword: 'new-password-1' }), 'NO_LOCAL_ACCOUNT');
    expect((await dev.put('/v1/me/subsonic-password', { password: 'dev-subsonic-pass' })).status).toBe(204);
  });

  it('sign-up stays closed after the first account, dev tokens or not', async () => {
    expectError(await s.api.post('/v1/auth/signup', { username: 'late', password: 'late-password', displayName: 'L' }), 'SIGNUP_CLOSED');
  });
});
