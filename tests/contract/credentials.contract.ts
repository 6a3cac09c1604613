/**
 * The credentials store contract: PostgreSQL and PGlite run exactly these cases. Accounts are
 * unique ignoring case and the first one is first once; refresh tokens rotate once, and a second
 * use of a spent token revokes its family; revocations, app passwords, API keys, signing keys and
 * server secrets behave the same on both.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsStore, NewAccount, NewRefreshToken } from '../../gateways/credentials/port.js';

export interface CredentialsFixture {
  store: CredentialsStore;
  teardown(): Promise<void>;
}

const at = '2026-01-01T12:00:00.000Z';
const later = '2026-01-01T12:05:00.000Z';
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

export function describeCredentialsContract(label: string, open: () => Promise<CredentialsFixture>): void {
  describe(`credentials store contract: ${label}`, () => {
    let fixture: CredentialsFixture;
    let store: CredentialsStore;
    const account = (over: Partial<NewAccount> = {}): NewAccount => {
      const userId = over.userId ?? `u-${randomUUID()}`;
      return { userId, username: `user${userId.slice(-8)}`, passwordHash: '$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA', displayName: 'U', initialRole: 'user', createdAt: at, ...over };
    };
    const token = (userId: string, over: Partial<NewRefreshToken> = {}): NewRefreshToken => ({
      tokenId: randomUUID(),
      familyId: randomUUID(),
      userId,
      secretHash: hash(randomUUID()),
      createdAt: at,
      expiresAt: '2026-02-01T12:00:00.000Z',
      ...over,
    });

    beforeAll(async () => {
      fixture = await open();
      store = fixture.store;
      await store.migrate();
      await store.migrate(); // twice: every node migrates at start
    });
    afterAll(() => fixture.teardown());

    it('the first account is first once, even when several race; later ones are not', async () => {
      expect(await store.anyAccount()).toBe(false);
      const racers = Array.from({ length: 5 }, (_, i) => account({ username: `first${i}` }));
      const outcomes = await Promise.all(racers.map((a) => store.createAccount(a, { first: true })));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'not-first')).toHaveLength(4);
      expect(await store.anyAccount()).toBe(true);
      expect(await store.createAccount(account(), { first: true })).toBe('not-first');
    });

    it('usernames are unique ignoring case and found ignoring case; a taken name stores nothing', async () => {
      const a = account({ username: 'MixedCase' });
      expect(await store.createAccount(a)).toBe('created');
      expect(await store.createAccount(account({ username: 'mixedcase' }))).toBe('username-taken');
      expect((await store.accountByUsername('MIXEDCASE'))?.userId).toBe(a.userId);
      expect((await store.accountByUserId(a.userId))?.username).toBe('MixedCase');
      expect(await store.accountByUsername('nobody-here')).toBeUndefined();
      expect((await store.listAccounts()).filter((x) => x.username.toLowerCase() === 'mixedcase')).toHaveLength(1);
    });

    it('a refresh token rotates once; its second use revokes the whole family, the new token included', async () => {
      const a = account();
      await store.createAccount(a);
      const first = token(a.userId);
      await store.insertRefreshToken(first);
      const second = token(a.userId, { familyId: first.familyId });
      const rotated = await store.rotateRefreshToken(first.tokenId, first.secretHash, later, (familyId, userId) => ({ ...second, familyId, userId }));
      expect(rotated).toEqual({ outcome: 'rotated', userId: a.userId, familyId: first.familyId });
      expect(await store.rotateRefreshToken(first.tokenId, first.secretHash, later, () => token(a.userId))).toEqual({ outcome: 'reused', userId: a.userId });
      expect(await store.rotateRefreshToken(second.tokenId, second.secretHash, later, () => token(a.userId))).toEqual({ outcome: 'invalid' });
    });

    it('a wrong secret, an unknown id or an expired token is invalid and revokes nothing', async () => {
      const a = account();
      await store.createAccount(a);
      const t = token(a.userId);
      await store.insertRefreshToken(t);
      expect(await store.rotateRefreshToken(t.tokenId, hash('wrong'), later, () => token(a.userId))).toEqual({ outcome: 'invalid' });
      expect(await store.rotateRefreshToken(randomUUID(), t.secretHash, later, () => token(a.userId))).toEqual({ outcome: 'invalid' });
      expect(await store.rotateRefreshToken(t.tokenId, t.secretHash, '2027-01-01T00:00:00.000Z', () => token(a.userId))).toEqual({ outcome: 'invalid' });
      expect((await store.rotateRefreshToken(t.tokenId, t.secretHash, later, (f, u) => token(u, { familyId: f }))).outcome).toBe('rotated');
    });

    it('logout revokes a family; a password change with revokeSessions revokes every token of the user', async () => {
      const a = account();
      await store.createAccount(a);
      const t1 = token(a.userId);
      const t2 = token(a.userId);
      const t3 = token(a.userId);
      for (const t of [t1, t2, t3]) await store.insertRefreshToken(t);
      expect(await store.revokeRefreshFamily(t1.tokenId, hash('wrong'), later)).toBe(false);
      expect(await store.revokeRefreshFamily(t1.tokenId, t1.secretHash, later)).toBe(true);
      expect((await store.rotateRefreshToken(t1.tokenId, t1.secretHash, later, () => token(a.userId))).outcome).toBe('invalid');
      expect(await store.setPasswordHash(a.userId, '$argon2id$new', later, { revokeSessions: true })).toBe(true);
      expect((await store.accountByUserId(a.userId))?.passwordHash).toBe('$argon2id$new');
      expect((await store.accountByUserId(a.userId))?.passwordChangedAt).toBe(later);
      for (const t of [t2, t3]) expect((await store.rotateRefreshToken(t.tokenId, t.secretHash, later, () => token(a.userId))).outcome).toBe('invalid');
      expect(await store.setPasswordHash('nobody', 'x', later, { revokeSessions: true })).toBe(false);
    });

    it('keeps one sealed app password per user, replaced on set, gone with the credentials', async () => {
      const a = account();
      await store.createAccount(a);
      await store.setSubsonicPassword(a.userId, { keyId: 'k1', sealed: 'AAAA' }, at);
      await store.setSubsonicPassword(a.userId, { keyId: 'k2', sealed: 'BBBB' }, later);
      expect(await store.subsonicPassword(a.userId)).toEqual({ keyId: 'k2', sealed: 'BBBB' });
      await store.deleteCredentials(a.userId);
      expect(await store.subsonicPassword(a.userId)).toBeUndefined();
      expect(await store.accountByUserId(a.userId)).toBeUndefined();
    });

    it('finds a Subsonic sign-in by username (any case) before a user id, with the app password, in one lookup', async () => {
      const a = account();
      const b = account();
      await store.createAccount(a);
      await store.createAccount(b);
      expect(await store.subsonicSignIn(a.username.toUpperCase(), undefined)).toEqual({ userId: a.userId, username: a.username, password: undefined });
      await store.setSubsonicPassword(a.userId, { keyId: 'k1', sealed: 'AAAA' }, at);
      expect(await store.subsonicSignIn(a.username, a.userId)).toEqual({ userId: a.userId, username: a.username, password: { keyId: 'k1', sealed: 'AAAA' } });
      // A user id signs in only when no account has the name, and only with an app password.
      const idOnly = `u-${randomUUID()}`;
      expect(await store.subsonicSignIn(undefined, idOnly)).toBeUndefined();
      await store.setSubsonicPassword(idOnly, { keyId: 'k1', sealed: 'CCCC' }, at);
      expect(await store.subsonicSignIn(undefined, idOnly)).toEqual({ userId: idOnly, username: idOnly, password: { keyId: 'k1', sealed: 'CCCC' } });
      expect(await store.subsonicSignIn(b.username, idOnly)).toEqual({ userId: b.userId, username: b.username, password: undefined });
      expect(await store.subsonicSignIn('nobody-here', undefined)).toBeUndefined();
      expect(await store.subsonicSignIn(undefined, undefined)).toBeUndefined();
    });

    it('API keys: found only with their secret, listed per user, revoked only by their owner', async () => {
      const a = account();
      const b = account();
      await store.createApiKey({ keyId: 'key-a', userId: a.userId, name: 'phone', secretHash: hash('sa'), createdAt: at });
      await store.createApiKey({ keyId: 'key-b', userId: b.userId, name: 'car', secretHash: hash('sb'), createdAt: at });
      expect(await store.useApiKey('key-a', hash('sb'), later)).toBeUndefined();
      expect(await store.useApiKey('key-a', hash('sa'), later)).toMatchObject({ userId: a.userId, name: 'phone', lastUsedAt: later });
      expect((await store.apiKeysOf(a.userId)).map((k) => k.keyId)).toEqual(['key-a']);
      expect(await store.revokeApiKey(b.userId, 'key-a')).toBe(false);
      expect(await store.revokeApiKey(a.userId, 'key-a')).toBe(true);
      expect(await store.useApiKey('key-a', hash('sa'), later)).toBeUndefined();
    });

    it('signing keys newest first, older ones deleted by time; a server secret is stored once', async () => {
      await store.addSigningKey({ kid: 'k-old', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: at });
      await store.addSigningKey({ kid: 'k-new', alg: 'EdDSA', privateJwk: '{}', publicJwk: '{}', createdAt: later });
      expect((await store.signingKeys()).map((k) => k.kid)).toEqual(['k-new', 'k-old']);
      expect(await store.deleteSigningKeysCreatedBefore(later)).toBe(1);
      expect((await store.signingKeys()).map((k) => k.kid)).toEqual(['k-new']);
      expect(await store.serverSecret('s', 'first', at)).toBe('first');
      expect(await store.serverSecret('s', 'second', at)).toBe('first');
    });
  });
}
