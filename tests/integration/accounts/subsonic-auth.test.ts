/**
 * What the OpenSubsonic edge calls: who `u` names, the app password read back from its sealed
 * form, `p` and `t`+`s` checks, API keys; sealed values bound to their user; and a failed sign-in
 * that takes as long for an unknown name as for a real one.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUser } from '../../../application/accounts/accounts.js';
import { createApiKey, revokeApiKey, userOfApiKey } from '../../../application/accounts/api-keys.js';
import { AccountError } from '../../../application/accounts/errors.js';
import { signIn } from '../../../application/accounts/sign-in.js';
import { REFRESH_AFTER_MS, REMEMBERED_MS } from '../../../application/accounts/remembered-sign-ins.js';
import { authenticateSubsonic, findSubsonicUser, setSubsonicPassword, subsonicPasswordOf } from '../../../application/accounts/subsonic.js';
import { FAST_ARGON2, openAccountsWorld, type AccountsWorld } from '../../support/accounts-world.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('accounts for the Subsonic edge', () => {
  let w: AccountsWorld;
  let ann: string;

  beforeAll(async () => {
    w = await openAccountsWorld({ argon2: FAST_ARGON2, limits: { failuresPerAccount: 100, attemptsPerAddress: 1000 } });
    ann = (await createUser(w.deps, { username: 'Ann', password: 'ann-account-pw', displayName: 'Ann' }, { actorId: 'test' })).userId;
    await setSubsonicPassword(w.deps, ann, 'ann-app-pw-ü');
  });
  afterAll(() => w?.close());

  it('finds users by username ignoring case, and reads the app password back', async () => {
    expect(await findSubsonicUser(w.deps, 'ann')).toEqual({ userId: ann, username: 'Ann' });
    expect(await findSubsonicUser(w.deps, 'nobody')).toBeUndefined();
    expect(await findSubsonicUser(w.deps, 'a\0b')).toBeUndefined();
    expect(await subsonicPasswordOf(w.deps, ann)).toBe('ann-app-pw-ü');
  });

  it('a user without a local account (dev token, identity provider) signs in to Subsonic with their user id once they set an app password', async () => {
    expect(await findSubsonicUser(w.deps, 'idp-user-1')).toBeUndefined();
    await setSubsonicPassword(w.deps, 'idp-user-1', 'idp-app-password');
    expect(await findSubsonicUser(w.deps, 'idp-user-1')).toEqual({ userId: 'idp-user-1', username: 'idp-user-1' });
  });

  it('checks p (plain) and t+s (md5 of password and salt); a wrong password, salt or user is undefined', async () => {
    expect(await authenticateSubsonic(w.deps, 'ann', { password: 'ann-app-pw-ü' }, '127.0.0.1')).toBe(ann);
    expect(await authenticateSubsonic(w.deps, 'ann', { token: md5('ann-app-pw-ü' + 'c19b2d'), salt: 'c19b2d' }, '127.0.0.1')).toBe(ann);
    expect(await authenticateSubsonic(w.deps, 'ann', { token: md5('ann-app-pw-ü' + 'c19b2d').toUpperCase(), salt: 'c19b2d' }, '127.0.0.1')).toBe(ann);
    expect(await authenticateSubsonic(w.deps, 'ann', { token: md5('ann-app-pw-ü' + 'c19b2d'), salt: 'other' }, '127.0.0.1')).toBeUndefined();
    // Not 32 hex digits: never a match (hex decoding would stop at the first non-digit).
    const right = md5('ann-app-pw-ü' + 'c19b2d');
    for (const token of [right.slice(0, 30), `${right}00`, `${right.slice(0, 30)}zz`, `${right.slice(0, 31)} `, 'g'.repeat(32)]) {
      expect(await authenticateSubsonic(w.deps, 'ann', { token, salt: 'c19b2d' }, '10.9.9.9')).toBeUndefined();
    }
    expect(await authenticateSubsonic(w.deps, 'ann', { password: 'ann-account-pw' }, '127.0.0.1')).toBeUndefined();
    expect(await authenticateSubsonic(w.deps, 'nobody', { password: 'ann-app-pw-ü' }, '127.0.0.1')).toBeUndefined();
  });

  it('a right sign-in is remembered briefly per name and address: a changed password, a wrong proof or another address are checked in full', async () => {
    const zed = (await createUser(w.deps, { username: 'zed', password: 'zed-account-pw', displayName: 'Zed' }, { actorId: 'test' })).userId;
    await setSubsonicPassword(w.deps, zed, 'zed-app-pw-1');
    const token = (password: string, salt: string) => ({ token: md5(password + salt), salt });
    expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-1', 's1'), '10.0.0.1')).toBe(zed);
    // Changed here: the old password stops at once, the new one works.
    await setSubsonicPassword(w.deps, zed, 'zed-app-pw-2');
    expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-1', 's2'), '10.0.0.1')).toBeUndefined();
    expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-2', 's3'), '10.0.0.1')).toBe(zed);
    expect(await authenticateSubsonic(w.deps, 'zed', { token: md5('zed-app-pw-2' + 's3'), salt: 's3-other' }, '10.0.0.1')).toBeUndefined();

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-2', 's4'), '10.0.0.1')).toBe(zed);
      // Removed behind this process's back (another node, the CLI): the remembered sign-in holds
      // for REMEMBERED_MS, from that address only, and no longer.
      await w.deps.credentials.deleteSubsonicPassword(zed);
      expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-2', 's5'), '10.0.0.1')).toBe(zed);
      expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-2', 's6'), '10.0.0.2')).toBeUndefined();
      vi.setSystemTime(Date.now() + REMEMBERED_MS);
      expect(await authenticateSubsonic(w.deps, 'zed', token('zed-app-pw-2', 's7'), '10.0.0.1')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('calls of one name and address arriving together share one read; a pair in use is read again in the background, and a removed password ends it', async () => {
    const kim = (await createUser(w.deps, { username: 'kim', password: 'kim-account-pw', displayName: 'Kim' }, { actorId: 'test' })).userId;
    await setSubsonicPassword(w.deps, kim, 'kim-app-pw-1');
    const token = (salt: string) => ({ token: md5('kim-app-pw-1' + salt), salt });
    const lookups = vi.spyOn(w.deps.credentials, 'subsonicSignIn');
    try {
      // 50 connections of one app, none remembered yet: one read between them, every one signed in.
      const all = await Promise.all(Array.from({ length: 50 }, (_, i) => authenticateSubsonic(w.deps, 'kim', token(`c${i}`), '10.0.1.1')));
      expect(all).toEqual(Array.from({ length: 50 }, () => kim));
      expect(lookups).toHaveBeenCalledTimes(1);

      vi.useFakeTimers({ toFake: ['Date'] });
      // Half its age: still answered from memory, and read again behind the call.
      vi.setSystemTime(Date.now() + REFRESH_AFTER_MS);
      expect(await authenticateSubsonic(w.deps, 'kim', token('r1'), '10.0.1.1')).toBe(kim);
      await vi.waitFor(() => expect(lookups).toHaveBeenCalledTimes(2));
      await new Promise((resolve) => setImmediate(resolve));
      // Removed behind this process's back. Past the first read's REMEMBERED_MS, within the
      // second's: answered from the second read (that call had no read of its own to wait for),
      // and read again behind it, which finds nothing and forgets the pair.
      await w.deps.credentials.deleteSubsonicPassword(kim);
      vi.setSystemTime(Date.now() + REMEMBERED_MS - REFRESH_AFTER_MS + 10);
      expect(await authenticateSubsonic(w.deps, 'kim', token('r2'), '10.0.1.1')).toBe(kim);
      await vi.waitFor(() => expect(lookups).toHaveBeenCalledTimes(3));
      await new Promise((resolve) => setImmediate(resolve));
      expect(await authenticateSubsonic(w.deps, 'kim', token('r4'), '10.0.1.1')).toBeUndefined();
    } finally {
      vi.useRealTimers();
      lookups.mockRestore();
    }
  });

  it('the app password cannot be the account password, nor fail the password rules', async () => {
    await expect(setSubsonicPassword(w.deps, ann, 'ann-account-pw')).rejects.toMatchObject({ code: 'SUBSONIC_PASSWORD_IS_PASSWORD' });
    await expect(setSubsonicPassword(w.deps, ann, 'short')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await subsonicPasswordOf(w.deps, ann)).toBe('ann-app-pw-ü');
  });

  it('a sealed app password copied to another user does not open', async () => {
    const sealed = (await w.deps.credentials.subsonicPassword(ann))!;
    await w.deps.credentials.setSubsonicPassword('thief', sealed, new Date().toISOString());
    expect(await subsonicPasswordOf(w.deps, 'thief')).toBeUndefined();
  });

  it('API keys name their user until revoked; a malformed or unknown key names no one', async () => {
    const key = await createApiKey(w.deps, ann, 'phone');
    expect(await userOfApiKey(w.deps, key.apiKey)).toBe(ann);
    expect(await userOfApiKey(w.deps, key.apiKey.slice(0, -1) + (key.apiKey.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await userOfApiKey(w.deps, 'garbage')).toBeUndefined();
    await revokeApiKey(w.deps, ann, key.keyId);
    expect(await userOfApiKey(w.deps, key.apiKey)).toBeUndefined();
  });
});

describe('sign-in at the default argon2 cost', () => {
  let w: AccountsWorld;

  beforeAll(async () => {
    w = await openAccountsWorld({ limits: { failuresPerAccount: 100, attemptsPerAddress: 1000 } });
    await createUser(w.deps, { username: 'bob', password: 'bob-password', displayName: 'Bob' }, { actorId: 'test' });
  });
  afterAll(() => w?.close());

  const failTime = async (username: string) => {
    const start = performance.now();
    await expect(signIn(w.deps, { username, password: 'wrong-password' }, '127.0.0.1')).rejects.toBeInstanceOf(AccountError);
    return performance.now() - start;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  it('a failure for an unknown name costs a hash check like a failure for a real one', async () => {
    await failTime('ghost'); // the dummy hash is made on first use
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      known.push(await failTime('bob'));
      unknown.push(await failTime(`ghost-${i}`));
    }
    // Both are dominated by one argon2id verification (tens of ms); no lookup shortcut.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    expect(median(unknown)).toBeGreaterThan(20);
  });
});
