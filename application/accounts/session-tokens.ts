/**
 * Token pairs: a short-lived access token (a JWT this server signs) and a refresh token
 * `<id>.<secret>` of which only the secret's SHA-256 is stored. A refresh token is spent when used;
 * the new one joins its family, and a spent token used again revokes the whole family (someone
 * copied it).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { NewRefreshToken } from '../../gateways/credentials/port.js';
import { getUser } from '../../projections/sql/users.js';
import type { AccountDeps } from './context.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  userId: string;
}

const REFRESH_TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export const secretHash = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/** The id and secret hash of a refresh token, or undefined if it is not shaped like one. */
export function parseRefreshToken(token: unknown): { tokenId: string; secretHash: string } | undefined {
  const match = typeof token === 'string' ? REFRESH_TOKEN.exec(token) : null;
  return match ? { tokenId: match[1]!, secretHash: secretHash(match[2]!) } : undefined;
}

export function newRefreshToken(deps: Pick<AccountDeps, 'settings' | 'now'>, userId: string, familyId: string): { token: string; record: NewRefreshToken } {
  const tokenId = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.settings.refreshTokenTtlDays * 86_400_000);
  return {
    token: `${tokenId}.${secret}`,
    record: { tokenId, familyId, userId, secretHash: secretHash(secret), createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() },
  };
}

export const newFamilyId = () => randomBytes(16).toString('base64url');

/** The display name an access token carries: the read model's, else the account's. */
async function displayNameOf(deps: Pick<AccountDeps, 'sql' | 'credentials'>, userId: string): Promise<string> {
  const user = await getUser(deps.sql, userId);
  if (user) return user.displayName;
  return (await deps.credentials.accountByUserId(userId))?.displayName ?? userId;
}

export async function accessToken(deps: Pick<AccountDeps, 'sql' | 'credentials' | 'signingKeys'>, userId: string) {
  return deps.signingKeys.sign({ userId, displayName: await displayNameOf(deps, userId) });
}

/** A new sign-in: a new family. */
export async function issueTokenPair(deps: AccountDeps, userId: string): Promise<TokenPair> {
  const refresh = newRefreshToken(deps, userId, newFamilyId());
  await deps.credentials.insertRefreshToken(refresh.record);
  const access = await accessToken(deps, userId);
  return { accessToken: access.token, refreshToken: refresh.token, expiresIn: access.expiresIn, userId };
}
