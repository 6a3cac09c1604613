/**
 * Who a Subsonic request is: `apiKey` (the `apiKeyAuthentication` extension), or `u` with `p`
 * (plain or `enc:` and hex) or with `t` and `s` (md5 of the app password and the salt), checked by
 * the account use cases against the user's Subsonic app password. Errors as the spec defines them.
 */
import type { AccountDeps } from '../application/accounts/context.js';
import { userOfApiKey } from '../application/accounts/api-keys.js';
import { authenticateSubsonic, type SubsonicProof } from '../application/accounts/subsonic.js';
import { SubsonicError, missing } from './errors.js';
import type { Params } from './params.js';

export interface Caller {
  /** The Authorization header, if any (not a Subsonic mechanism). */
  authorization: string | undefined;
  address: string;
}

/** The user id of the caller; throws a SubsonicError (10, 40, 42, 43, 44) otherwise. */
export async function authenticate(accounts: AccountDeps, params: Params, caller: Caller): Promise<string> {
  const apiKey = params.string('apiKey');
  const username = params.string('u');
  const password = params.string('p');
  const token = params.string('t');
  const salt = params.string('s');
  if (apiKey !== undefined) {
    if (username !== undefined || password !== undefined || token !== undefined) {
      throw new SubsonicError(43, 'apiKey cannot be combined with u, p or t');
    }
    const userId = await userOfApiKey(accounts, apiKey);
    if (!userId) throw new SubsonicError(44, 'invalid API key');
    return userId;
  }
  if (username === undefined || username === '') {
    if (caller.authorization) throw new SubsonicError(42, 'an Authorization header is not a Subsonic sign-in: send u with p or t and s, or apiKey');
    throw missing('u (or apiKey)');
  }
  if (password !== undefined && (token !== undefined || salt !== undefined)) {
    throw new SubsonicError(43, 'send either p, or t and s, not both');
  }
  let proof: SubsonicProof;
  if (password !== undefined) {
    const plain = decodePassword(password);
    if (plain === undefined) throw wrongCredentials();
    proof = { password: plain };
  } else if (token !== undefined) {
    if (salt === undefined || salt === '') throw missing('s');
    proof = { token, salt };
  } else {
    throw missing('p, or t and s');
  }
  const userId = await authenticateSubsonic(accounts, username, proof, caller.address);
  if (!userId) throw wrongCredentials();
  return userId;
}

const wrongCredentials = () => new SubsonicError(40, 'wrong username or password');

/** `p` as sent: plain, or `enc:` and the UTF-8 bytes in hex; undefined when the hex is broken. */
export function decodePassword(p: string): string | undefined {
  if (!p.startsWith('enc:')) return p;
  const hex = p.slice(4);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.from(hex, 'hex'));
}
