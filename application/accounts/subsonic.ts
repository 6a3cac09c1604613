/**
 * What the OpenSubsonic edge needs from accounts. A Subsonic app password is separate from the
 * account password (it can never be the same), sealed with AES-256-GCM under the server key: the
 * spec's token auth sends md5(password + salt), so the server must read the password back.
 *
 * For the edge:
 *  - `findSubsonicUser(deps, u)`: who `u` names (a local account's username, or the user id of a
 *    dev-token / identity-provider user who has set an app password);
 *  - `subsonicPasswordOf(deps, userId)`: the app password in plain text (or undefined);
 *  - `authenticateSubsonic(deps, {username, password | token+salt}, address)`: both checks, in
 *    constant time, rate limited like sign-in; answers the user id or undefined.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { USERNAME } from '../../domain/user/decider.js';
import type { AccountDeps } from './context.js';
import { AccountError } from './errors.js';
import { checkPassword } from './passwords.js';
import { isId } from '../../domain/shared/ids.js';
import type { SealedSecret } from '../../gateways/credentials/port.js';
import { Lru } from '../lru.js';
import { rememberedSignIns, type SignInRead } from './remembered-sign-ins.js';
import type { SecretBox } from './secret-box.js';


export interface SubsonicUser {
  userId: string;
  /** What the Subsonic app signs in with. */
  username: string;
}

/** Sets (or replaces) the user's app password. */
export async function setSubsonicPassword(deps: AccountDeps, userId: string, password: string): Promise<void> {
  const plain = checkPassword(password);
  const account = await deps.credentials.accountByUserId(userId);
  if (account && (await deps.hasher.verify(account.passwordHash, plain))) {
    throw new AccountError('SUBSONIC_PASSWORD_IS_PASSWORD', 'the app password must differ from the account password (Subsonic apps keep it less safely)');
  }
  await deps.credentials.setSubsonicPassword(userId, deps.box.seal(plain, userId), deps.now().toISOString());
  rememberedSignIns(deps.credentials).forget(userId);
}

export async function deleteSubsonicPassword(deps: AccountDeps, userId: string): Promise<boolean> {
  const deleted = await deps.credentials.deleteSubsonicPassword(userId);
  rememberedSignIns(deps.credentials).forget(userId);
  return deleted;
}

/** The user's app password in plain text, or undefined when they have none. */
export async function subsonicPasswordOf(deps: Pick<AccountDeps, 'credentials' | 'box'>, userId: string): Promise<string | undefined> {
  const sealed = await deps.credentials.subsonicPassword(userId);
  return sealed && deps.box.open(sealed, userId);
}

/** Who a Subsonic `u` parameter names. */
export async function findSubsonicUser(deps: Pick<AccountDeps, 'credentials'>, username: string): Promise<SubsonicUser | undefined> {
  if (typeof username !== 'string') return undefined;
  const account = USERNAME.test(username) ? await deps.credentials.accountByUsername(username) : undefined;
  if (account) return { userId: account.userId, username: account.username };
  // Users without a local account sign in to Subsonic apps with their user id.
  if (isId(username) && (await deps.credentials.subsonicPassword(username))) return { userId: username, username };
  return undefined;
}

export type SubsonicProof = { password: string } | { token: string; salt: string };

/**
 * Checks a Subsonic sign-in (`u` with `p`, or with `t` and `s`): the user id, or undefined for an
 * unknown user, no app password or a wrong one. Apps sign every request, so only failures are
 * counted by SignInLimits (per account and per address); over a limit, SIGN_IN_RATE_LIMITED.
 * The limit check and the lookup (one round trip each) run at once; a name that signed in right
 * from the same address within the last seconds is checked against what that sign-in read
 * (remembered-sign-ins.ts), with no round trip, and calls of that pair needing the read at the
 * same time share one.
 */
export async function authenticateSubsonic(deps: AccountDeps, username: string, proof: SubsonicProof, address: string): Promise<string | undefined> {
  const remembered = rememberedSignIns(deps.credentials);
  const load = () => readSignIn(deps, username, address);
  const known = remembered.get(username, address);
  if (known) {
    if (proves(proof, known.password)) {
      remembered.refresh(username, address, known, load);
      return known.userId;
    }
    remembered.drop(username, address);
  }
  const { read, startedAt, rememberable } = await remembered.read(username, address, load);
  if (read === undefined || !proves(proof, read.password)) {
    await deps.limits.failedFrom(username, address);
    return undefined;
  }
  if (rememberable()) remembered.remember(username, address, read, startedAt);
  return read.userId;
}

/** The full read of a sign-in: the limits (throws over them), who `username` is and their app password. */
async function readSignIn(deps: AccountDeps, username: string, address: string): Promise<SignInRead | undefined> {
  const [, user] = await Promise.all([deps.limits.check(username, address), signInOf(deps, username)]);
  const password = user?.password && openPassword(deps.box, user.userId, user.password);
  return password === undefined || !user ? undefined : { userId: user.userId, password };
}

/**
 * `p` is the app password, or `t` is md5(app password + `s`); in constant time. A token has one
 * public length (32 hex digits, either case), so its 16 bytes are compared as they are; a
 * password through digests.
 */
function proves(proof: SubsonicProof, password: string): boolean {
  if ('password' in proof) return same(proof.password, password);
  if (!TOKEN.test(proof.token)) return false;
  return timingSafeEqual(Buffer.from(proof.token, 'hex'), hash('md5', password + proof.salt, 'buffer'));
}

const TOKEN = /^[0-9a-fA-F]{32}$/;

/** Who `u` names, with the sealed app password: as findSubsonicUser and subsonicPasswordOf, in one lookup. */
async function signInOf(deps: Pick<AccountDeps, 'credentials'>, username: string) {
  if (typeof username !== 'string') return undefined;
  return deps.credentials.subsonicSignIn(USERNAME.test(username) ? username : undefined, isId(username) ? username : undefined);
}

/**
 * App passwords opened so far, per SecretBox (each server has its own keys): a sealed value is
 * authenticated, so the same sealed value of the same user always opens to the same text, and a
 * new password is a new sealed value. Saves the AES-GCM open on every signed call.
 */
const opened = new WeakMap<SecretBox, Lru<string, string>>();

function openPassword(box: SecretBox, userId: string, sealed: SealedSecret): string | undefined {
  let known = opened.get(box);
  if (!known) opened.set(box, (known = new Lru(1_000)));
  const key = `${userId}\u0000${sealed.keyId}\u0000${sealed.sealed}`;
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  const plain = box.open(sealed, userId);
  if (plain !== undefined) known.set(key, plain);
  return plain;
}

/** Constant-time equality of two strings (compared as SHA-256 digests, so lengths do not show). */
function same(a: string, b: string): boolean {
  const digest = (s: string) => hash('sha256', s, 'buffer');
  return timingSafeEqual(digest(a), digest(b));
}
