/**
 * Local accounts in e2e suites: fast argon2 parameters (tests sign in often; the default cost is
 * measured by `npm run bench -- login`), and helpers that sign up or sign in and give a client
 * with the access token. Suites that do not test accounts keep using dev tokens (server.login),
 * which stay on while no account exists.
 */
import { expect } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';

/** argon2id at 1 MiB and one pass: the cost of the code path, not of the hash. */
export const FAST_ARGON2_ENV = { CHORUS_ARGON2_MEMORY_KIB: '1024', CHORUS_ARGON2_TIME_COST: '1' };

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  userId: string;
}

export async function signUp(api: ApiClient, username: string, password: string, displayName = username): Promise<string> {
  const response = await api.post<{ userId: string }>('/v1/auth/signup', { username, password, displayName });
  expect(response.status, response.text).toBe(201);
  return response.body.userId;
}

export async function signIn(api: ApiClient, username: string, password: string): Promise<{ client: ApiClient; tokens: TokenPair }> {
  const response = await api.post<TokenPair>('/v1/auth/login', { username, password }, { token: null });
  expect(response.status, response.text).toBe(200);
  return { client: api.as(response.body.accessToken), tokens: response.body };
}
