/**
 * API keys for the OpenSubsonic `apiKeyAuthentication` extension: `chorus_<keyId>_<secret>`,
 * shown once when made; only the secret's SHA-256 is stored. A user has at most 20.
 */
import { randomBytes } from 'node:crypto';
import { checkName } from '../../domain/shared/checks.js';
import type { ApiKeyRecord } from '../../gateways/credentials/port.js';
import type { AccountDeps } from './context.js';
import { AccountError } from './errors.js';
import { secretHash } from './session-tokens.js';

const MAX_KEYS = 20;
const API_KEY = /^chorus_([A-Za-z0-9_-]{16})_([A-Za-z0-9_-]{43})$/;

export type ApiKeyView = Omit<ApiKeyRecord, 'userId'>;

export async function createApiKey(deps: AccountDeps, userId: string, name: string): Promise<ApiKeyView & { apiKey: string }> {
  const label = checkName(name, 'name', 100);
  if ((await deps.credentials.apiKeysOf(userId)).length >= MAX_KEYS) {
    throw new AccountError('TOO_MANY_API_KEYS', `a user has at most ${MAX_KEYS} API keys: revoke one first`);
  }
  const keyId = randomBytes(12).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const createdAt = deps.now().toISOString();
  await deps.credentials.createApiKey({ keyId, userId, name: label, secretHash: secretHash(secret), createdAt });
  return { keyId, name: label, createdAt, lastUsedAt: null, apiKey: `chorus_${keyId}_${secret}` };
}

export async function listApiKeys(deps: AccountDeps, userId: string): Promise<ApiKeyView[]> {
  return (await deps.credentials.apiKeysOf(userId)).map(({ userId: _owner, ...key }) => key);
}

/** Revokes one of the user's own keys; API_KEY_NOT_FOUND for a key that is not theirs. */
export async function revokeApiKey(deps: AccountDeps, userId: string, keyId: string): Promise<void> {
  if (!(await deps.credentials.revokeApiKey(userId, keyId))) throw new AccountError('API_KEY_NOT_FOUND', 'no such API key');
}

/** The user an API key belongs to (for the Subsonic edge), or undefined. */
export async function userOfApiKey(deps: Pick<AccountDeps, 'credentials' | 'now'>, apiKey: string): Promise<string | undefined> {
  const match = typeof apiKey === 'string' ? API_KEY.exec(apiKey) : null;
  if (!match) return undefined;
  return (await deps.credentials.useApiKey(match[1]!, secretHash(match[2]!), deps.now().toISOString()))?.userId;
}
