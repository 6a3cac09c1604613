/**
 * Sign-in, refresh and sign-out. A failed sign-in takes as long whether or not the account exists
 * (an unknown name is checked against a dummy hash) and answers the same INVALID_CREDENTIALS; the
 * attempt is counted against the account name and the address (SignInLimits). A hash made with
 * other argon2 parameters than today's is replaced once the password is known to be right.
 */
import { DomainError } from '../../domain/shared/errors.js';
import { USERNAME } from '../../domain/user/decider.js';
import type { Account } from '../../gateways/credentials/port.js';
import type { AccountDeps } from './context.js';
import { AccountError } from './errors.js';
import { rememberedSignIns } from './remembered-sign-ins.js';
import { registerAccount } from './register.js';
import { accessToken, issueTokenPair, newRefreshToken, parseRefreshToken, type TokenPair } from './session-tokens.js';

export interface Credentials {
  username: string;
  password: string;
}

const invalid = () => new AccountError('INVALID_CREDENTIALS', 'wrong username or password');

/** The account whose password this is, or INVALID_CREDENTIALS (after the same work either way). */
export async function checkCredentials(deps: AccountDeps, { username, password }: Credentials, address: string): Promise<Account> {
  await deps.limits.admit(username, address);
  // A name no account can have (a NUL, a slash, too long) is looked up nowhere, but costs the same.
  const account = USERNAME.test(username) ? await deps.credentials.accountByUsername(username) : undefined;
  const ok = account ? await deps.hasher.verify(account.passwordHash, password) : await deps.hasher.verifyNobody(password);
  if (!account || !ok) {
    await deps.limits.failed(username);
    throw invalid();
  }
  if (deps.hasher.needsRehash(account.passwordHash)) {
    await deps.credentials.setPasswordHash(account.userId, await deps.hasher.hash(password), account.passwordChangedAt, { revokeSessions: false });
  }
  return account;
}

export async function signIn(deps: AccountDeps, credentials: Credentials, address: string, correlationId?: string): Promise<TokenPair> {
  const account = await checkCredentials(deps, credentials, address);
  try {
    await registerAccount(deps, account, { actorId: account.userId, correlationId });
  } catch (error) {
    // Removed while its credentials were being deleted: finish the job, and it no longer exists.
    if (error instanceof DomainError && error.code === 'USER_REMOVED') {
      await deps.credentials.deleteCredentials(account.userId);
      rememberedSignIns(deps.credentials).forget(account.userId);
      throw invalid();
    }
    throw error;
  }
  return issueTokenPair(deps, account.userId);
}

export async function refresh(deps: AccountDeps, refreshToken: unknown): Promise<TokenPair> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) throw new AccountError('INVALID_REFRESH_TOKEN', 'the refresh token is not valid');
  let issued: string | undefined;
  const outcome = await deps.credentials.rotateRefreshToken(parsed.tokenId, parsed.secretHash, deps.now().toISOString(), (familyId, userId) => {
    const next = newRefreshToken(deps, userId, familyId);
    issued = next.token;
    return next.record;
  });
  if (outcome.outcome === 'reused') {
    throw new AccountError('INVALID_REFRESH_TOKEN', 'the refresh token was used already: every session of that sign-in is now signed out');
  }
  if (outcome.outcome === 'invalid' || !issued) throw new AccountError('INVALID_REFRESH_TOKEN', 'the refresh token is not valid (expired, revoked or unknown)');
  const access = await accessToken(deps, outcome.userId);
  return { accessToken: access.token, refreshToken: issued, expiresIn: access.expiresIn, userId: outcome.userId };
}

/** Ends the sign-in the refresh token belongs to (its whole family). Unknown tokens change nothing. */
export async function signOut(deps: AccountDeps, refreshToken: unknown): Promise<void> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) return;
  await deps.credentials.revokeRefreshFamily(parsed.tokenId, parsed.secretHash, deps.now().toISOString());
}
