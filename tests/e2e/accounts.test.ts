/**
 * Local accounts over HTTP: the first sign-up makes an admin and closes sign-up (and dev tokens);
 * sign-in, refresh rotation and reuse detection, sign-out, password changes signing out other
 * sessions, display names, admin-only routes, Subsonic app passwords and API keys, hostile input.
 */
import { hash as argon2Hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, signDevToken, type ApiClient } from '../support/api-client.js';
import { FAST_ARGON2_ENV, signIn, type TokenPair } from './support/accounts.js';
import { DEV_SECRET, OVERSIZED, expectRefused, startE2eServer, type E2eServer } from './support/server.js';

let s: E2eServer;
let admin: ApiClient;
let adminTokens: TokenPair;
const ADMIN_PASSWORD = 'admin-password-Ω-1234';

beforeAll(async () => {
  s = await startE2eServer('accounts', { env: { ...FAST_ARGON2_ENV, CHORUS_SIGNIN_FAILURES_PER_ACCOUNT: '50', CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS: '1000' } });
});
afterAll(async () => {
  await s?.close();
});

describe('sign-up', () => {
  it('dev tokens work on a server without accounts; the sign-in methods say so', async () => {
    expect((await s.api.get('/v1/auth/methods')).body).toEqual({ devTokens: true, accounts: true, signUp: true });
    expect((await s.api.post('/v1/auth/dev-token', { userId: 'before-accounts', displayName: 'Early' })).status).toBe(200);
  });

  it('the first account is an admin (201); dev tokens are off from then on; a second sign-up is 403 SIGNUP_CLOSED and writes nothing', async () => {
    const response = await s.api.post<{ userId: string; role: string; username: string }>('/v1/auth/signup', { username: 'Admin', password: ADMIN_PASSWORD, displayName: 'The Admin' });
    expect(response.status, response.text).toBe(201);
    expect(response.body).toMatchObject({ role: 'admin', username: 'Admin', userId: expect.stringMatching(/^u-/) });
    ({ client: admin, tokens: adminTokens } = await signIn(s.api, 'admin', ADMIN_PASSWORD)); // names ignore case
    const me = await admin.get<{ role: string; username: string; displayName: string }>(`/v1/me?after=${encodeURIComponent(String((response.body as { position?: string }).position ?? ''))}`);
    expect(me.body).toMatchObject({ role: 'admin', username: 'Admin', displayName: 'The Admin' });
    await expectRefused(s, 'SIGNUP_CLOSED', () => s.api.post('/v1/auth/signup', { username: 'second', password: 'second-password', displayName: 'Second' }));
    await expectRefused(s, 'DEV_TOKENS_DISABLED', () => s.api.post('/v1/auth/dev-token', { userId: 'mallory', displayName: 'M' }));
    expect((await s.api.get('/v1/auth/methods')).body).toEqual({ devTokens: false, accounts: true, signUp: false });
    // A dev token minted before accounts existed stops working too.
    expectError(await s.api.get('/v1/me', { token: await devToken() }), 'UNAUTHENTICATED');
  });

  it('serves the public signing keys as a JWK set, and the access token names one of them', async () => {
    const jwks = await s.api.get<{ keys: { kid: string; kty: string; d?: string }[] }>('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    expect(jwks.body.keys.every((k) => k.d === undefined)).toBe(true);
    const header = JSON.parse(Buffer.from(adminTokens.accessToken.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };
    expect(header.alg).toBe('EdDSA');
    expect(jwks.body.keys.map((k) => k.kid)).toContain(header.kid);
  });
});

const devToken = () => signDevToken(DEV_SECRET, { sub: 'before-accounts', name: 'Early' });

describe('sign-in', () => {
  it('a wrong password and an unknown user get the same 401 INVALID_CREDENTIALS', async () => {
    const wrong = await s.api.post('/v1/auth/login', { username: 'admin', password: 'not the password' });
    const unknown = await s.api.post('/v1/auth/login', { username: 'nobody-at-all', password: 'not the password' });
    expectError(wrong, 'INVALID_CREDENTIALS');
    expectError(unknown, 'INVALID_CREDENTIALS');
    expect(wrong.body).toEqual(unknown.body);
  });

  it('a refresh token rotates; using a spent one answers 401 and signs out its whole family', async () => {
    const { tokens } = await signIn(s.api, 'admin', ADMIN_PASSWORD);
    const first = await s.api.post<TokenPair>('/v1/auth/refresh', { refreshToken: tokens.refreshToken });
    expect(first.status, first.text).toBe(200);
    expect(first.body.refreshToken).not.toBe(tokens.refreshToken);
    expect((await s.api.get('/v1/me', { token: first.body.accessToken })).status).toBe(200);
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: tokens.refreshToken }), 'INVALID_REFRESH_TOKEN');
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken }), 'INVALID_REFRESH_TOKEN');
    // Another sign-in is another family, untouched.
    expect((await s.api.post('/v1/auth/refresh', { refreshToken: adminTokens.refreshToken })).status).toBe(200);
  });

  it('sign-out revokes the refresh token; unknown tokens sign out nothing and still answer 204', async () => {
    const { tokens } = await signIn(s.api, 'admin', ADMIN_PASSWORD);
    expect((await s.api.post('/v1/auth/logout', { refreshToken: tokens.refreshToken })).status).toBe(204);
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: tokens.refreshToken }), 'INVALID_REFRESH_TOKEN');
    expect((await s.api.post('/v1/auth/logout', { refreshToken: 'not-a-token' })).status).toBe(204);
  });

  it('a hash made with other argon2 parameters is replaced at the next sign-in', async () => {
    await admin.post('/v1/admin/users', { username: 'rehash', password: 'rehash-password', displayName: 'R' });
    const old = await argon2Hash('rehash-password', { memoryCost: 2048, timeCost: 2, parallelism: 1, algorithm: 2 });
    await s.sql.query(`update cred_accounts set password_hash = $1 where username_key = 'rehash'`, [old]);
    await signIn(s.api, 'rehash', 'rehash-password');
    const [row] = await s.sql.query<{ password_hash: string }>(`select password_hash from cred_accounts where username_key = 'rehash'`);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    await signIn(s.api, 'rehash', 'rehash-password');
  });
});

describe('own account', () => {
  it('changing the password needs the current one, signs out every other session and answers a new sign-in', async () => {
    await admin.post('/v1/admin/users', { username: 'dora', password: 'dora-password-1', displayName: 'Dora' });
    const phone = await signIn(s.api, 'dora', 'dora-password-1');
    const laptop = await signIn(s.api, 'dora', 'dora-password-1');
    expectError(await laptop.client.put('/v1/me/password', { currentPassword: 'wrong-password', newPassword: 'dora-password-2' }), 'WRONG_PASSWORD');
    const changed = await laptop.client.put<TokenPair>('/v1/me/password', { currentPassword: 'dora-password-1', newPassword: 'dora-password-2' });
    expect(changed.status, changed.text).toBe(200);
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: phone.tokens.refreshToken }), 'INVALID_REFRESH_TOKEN');
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: laptop.tokens.refreshToken }), 'INVALID_REFRESH_TOKEN');
    expect((await s.api.post('/v1/auth/refresh', { refreshToken: changed.body.refreshToken })).status).toBe(200);
    expectError(await s.api.post('/v1/auth/login', { username: 'dora', password: 'dora-password-1' }), 'INVALID_CREDENTIALS');
    await signIn(s.api, 'dora', 'dora-password-2');
  });

  it('changing the display name records UserProfileChanged and shows in /v1/me', async () => {
    const { client } = await signIn(s.api, 'dora', 'dora-password-2');
    const response = await client.patch<{ position: string }>('/v1/me', { displayName: '  Dora B.  ' });
    expect(response.status, response.text).toBe(200);
    expect((await client.get(`/v1/me?after=${encodeURIComponent(response.body.position)}`)).body).toMatchObject({ displayName: 'Dora B.' });
  });


  it('the Subsonic app password cannot be the account password; it is stored sealed, not as given', async () => {
    const { client } = await signIn(s.api, 'dora', 'dora-password-2');
    await expectRefused(s, 'SUBSONIC_PASSWORD_IS_PASSWORD', () => client.put('/v1/me/subsonic-password', { password: 'dora-password-2' }));
    expect((await client.put('/v1/me/subsonic-password', { password: 'dora-subsonic-app' })).status).toBe(204);
    const rows = await s.sql.query<{ sealed: string }>(`select sealed from cred_subsonic_passwords`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sealed).not.toContain('dora-subsonic-app');
    expect(Buffer.from(rows[0]!.sealed, 'base64url').toString('latin1')).not.toContain('dora-subsonic-app');
    expect((await client.delete('/v1/me/subsonic-password')).status).toBe(204);
    expect((await client.put('/v1/me/subsonic-password', { password: 'dora-subsonic-app' })).status).toBe(204);
  });

  it('API keys: shown once, listed without the secret, revoked only by their owner', async () => {
    const { client } = await signIn(s.api, 'dora', 'dora-password-2');
    const made = await client.post<{ keyId: string; apiKey: string }>('/v1/me/api-keys', { name: 'Car stereo' });
    expect(made.status, made.text).toBe(201);
    expect(made.body.apiKey).toMatch(/^chorus_/);
    const listed = await client.get<{ items: { keyId: string; name: string }[] }>('/v1/me/api-keys');
    expect(listed.body.items).toEqual([expect.objectContaining({ keyId: made.body.keyId, name: 'Car stereo', lastUsedAt: null })]);
    expect(listed.text).not.toContain(made.body.apiKey);
    expectError(await admin.delete(`/v1/me/api-keys/${made.body.keyId}`), 'API_KEY_NOT_FOUND');
    expect((await client.delete(`/v1/me/api-keys/${made.body.keyId}`)).status).toBe(204);
    expectError(await client.delete(`/v1/me/api-keys/${made.body.keyId}`), 'API_KEY_NOT_FOUND');
  });
});

describe('admin routes', () => {
  let eve: ApiClient;
  let eveId: string;

  beforeAll(async () => {
    const created = await admin.post<{ userId: string; role: string }>('/v1/admin/users', { username: 'eve', password: 'eve-password-1', displayName: 'Eve', plan: 'premium', country: 'SE' });
    expect(created.status, created.text).toBe(201);
    expect(created.body.role).toBe('user');
    eveId = created.body.userId;
    ({ client: eve } = await signIn(s.api, 'eve', 'eve-password-1'));
  });

  it('a user who is not an admin gets 403 ADMIN_ONLY on every admin route, and writes nothing', async () => {
    await expectRefused(s, 'ADMIN_ONLY', () => eve.get('/v1/admin/users'));
    await expectRefused(s, 'ADMIN_ONLY', () => eve.post('/v1/admin/users', { username: 'eve2', password: 'eve2-password', displayName: 'E2' }));
    await expectRefused(s, 'ADMIN_ONLY', () => eve.patch(`/v1/admin/users/${eveId}`, { role: 'admin' }));
    await expectRefused(s, 'ADMIN_ONLY', () => eve.put(`/v1/admin/users/${adminTokens.userId}/password`, { password: 'taken-over-now' }));
    await expectRefused(s, 'ADMIN_ONLY', () => eve.delete(`/v1/admin/users/${adminTokens.userId}`));
    expect((await s.api.post('/v1/auth/login', { username: 'admin', password: 'taken-over-now' })).status).toBe(401);
  });

  it('admins list users and change role, plan, country and display name (each an event)', async () => {
    const changed = await admin.patch<{ position: string }>(`/v1/admin/users/${eveId}`, { role: 'admin', plan: 'free', country: null, displayName: 'Eve A.' });
    expect(changed.status, changed.text).toBe(200);
    const after = `?after=${encodeURIComponent(changed.body.position)}`;
    expect((await admin.get(`/v1/admin/users/${eveId}${after}`)).body).toEqual({
      userId: eveId,
      username: 'eve',
      displayName: 'Eve A.',
      role: 'admin',
      plan: 'free',
      country: null,
      registeredAt: expect.any(String),
    });
    const types = (await s.stream(`user-${eveId}`)).map((e) => e.type);
    expect(types).toEqual(['UserRegistered', 'UserRoleChanged', 'UserPlanChanged', 'UserCountryChanged', 'UserProfileChanged']);
    const list = await admin.get<{ items: { userId: string }[]; total: number }>(`/v1/admin/users${after}&limit=50`);
    expect(list.body.items.map((u) => u.userId)).toContain(eveId);
    // Eve is an admin now, at once (read from her stream).
    expect((await eve.get('/v1/admin/users')).status).toBe(200);
    expect((await admin.patch(`/v1/admin/users/${eveId}`, { role: 'user' })).status).toBe(200);
    expectError(await eve.get('/v1/admin/users'), 'ADMIN_ONLY');
  });

  it('an admin cannot take their own admin role nor remove themselves', async () => {
    await expectRefused(s, 'CANNOT_CHANGE_OWN_ROLE', () => admin.patch(`/v1/admin/users/${adminTokens.userId}`, { role: 'user' }));
    await expectRefused(s, 'CANNOT_CHANGE_OWN_ROLE', () => admin.delete(`/v1/admin/users/${adminTokens.userId}`));
  });

  it('an admin sets a password (signing the user out) and removes users: they sign in no more', async () => {
    const before = await signIn(s.api, 'eve', 'eve-password-1');
    expect((await admin.put(`/v1/admin/users/${eveId}/password`, { password: 'eve-password-2' })).status).toBe(204);
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: before.tokens.refreshToken }), 'INVALID_REFRESH_TOKEN');
    const session = await signIn(s.api, 'eve', 'eve-password-2');
    expect((await admin.delete(`/v1/admin/users/${eveId}`)).status).toBe(204);
    expectError(await s.api.post('/v1/auth/login', { username: 'eve', password: 'eve-password-2' }), 'INVALID_CREDENTIALS');
    expectError(await s.api.post('/v1/auth/refresh', { refreshToken: session.tokens.refreshToken }), 'INVALID_REFRESH_TOKEN');
    await s.settle();
    expectError(await admin.get(`/v1/admin/users/${eveId}`), 'USER_NOT_FOUND');
    expectError(await admin.patch(`/v1/admin/users/${eveId}`, { plan: 'premium' }), 'USER_NOT_FOUND');
    expectError(await admin.delete('/v1/admin/users/no-such-user'), 'USER_NOT_FOUND');
    // The name is free again.
    expect((await admin.post('/v1/admin/users', { username: 'EVE', password: 'new-eve-password', displayName: 'New Eve' })).status).toBe(201);
  });
});

describe('hostile input', () => {
  const bad: [string, unknown][] = [
    ['a password of 5,000 characters', { username: 'h1', password: 'p'.repeat(5_000), displayName: 'H' }],
    ['a password with a NUL', { username: 'h2', password: 'pass\0word-123', displayName: 'H' }],
    ['a password of 7 characters', { username: 'h3', password: 'seven77', displayName: 'H' }],
    ['a username with a NUL', { username: 'h\0x', password: 'good-password', displayName: 'H' }],
    ['a username with a slash', { username: 'h/x', password: 'good-password', displayName: 'H' }],
    ['a username that is a number', { username: 42, password: 'good-password', displayName: 'H' }],
    ['a password that is an object', { username: 'h4', password: { $gt: '' }, displayName: 'H' }],
    ['an unknown field', { username: 'h5', password: 'good-password', displayName: 'H', isAdmin: true }],
    ['an empty display name', { username: 'h6', password: 'good-password', displayName: '   ' }],
  ];
  it.each(bad)('creating a user with %s is refused with 400 and stores nothing', async (_what, body) => {
    const before = (await s.sql.query<{ n: number }>('select count(*)::int as n from cred_accounts'))[0]!.n;
    await expectRefused(s, 'VALIDATION_FAILED', () => admin.post('/v1/admin/users', body));
    expect((await s.sql.query<{ n: number }>('select count(*)::int as n from cred_accounts'))[0]!.n).toBe(before);
  });

  it('sign-in, refresh and sign-up refuse wrong types, oversized bodies and garbage tokens; the node still serves', async () => {
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.post('/v1/auth/login', { username: ['admin'], password: ADMIN_PASSWORD }));
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.post('/v1/auth/login', { username: 'admin' }));
    await expectRefused(s, 'PAYLOAD_TOO_LARGE', () => s.api.post('/v1/auth/login', { username: 'admin', password: OVERSIZED }));
    // NUL is refused at the edge, for every route alike (application/text.ts), before sign-in looks.
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.post('/v1/auth/login', { username: 'admin\0', password: ADMIN_PASSWORD }));
    await expectRefused(s, 'INVALID_REFRESH_TOKEN', () => s.api.post('/v1/auth/refresh', { refreshToken: 'a'.repeat(22) + '.' + 'b'.repeat(43) }));
    await expectRefused(s, 'INVALID_REFRESH_TOKEN', () => s.api.post('/v1/auth/refresh', { refreshToken: "' or 1=1 --" }));
    await expectRefused(s, 'VALIDATION_FAILED', () => s.api.post('/v1/auth/refresh', { refreshToken: 7 }));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.put('/v1/me/subsonic-password', { password: 'no-token-here' }, { token: null }));
    await expectRefused(s, 'VALIDATION_FAILED', () => admin.put('/v1/me/subsonic-password', { password: 'short' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => admin.patch('/v1/admin/users/some-user', { role: 'root' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => admin.patch('/v1/admin/users/some-user', {}));
    await expectRefused(s, 'VALIDATION_FAILED', () => admin.patch('/v1/admin/users/some-user', { country: 'se' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => admin.post('/v1/me/api-keys', { name: 'x'.repeat(101) }));
    expect((await admin.get('/v1/me')).status).toBe(200);
  });
});
