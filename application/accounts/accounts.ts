/**
 * Local accounts: sign-up (the first account of an empty server is an admin; after that only with
 * open sign-up), accounts made by admins and operators, and what people change themselves: their
 * password (which signs out every other session) and display name.
 */
import type { Plan, Role } from '../../domain/user/events.js';
import { USERNAME } from '../../domain/user/decider.js';
import { checkName } from '../../domain/shared/checks.js';
import { reject } from '../../domain/shared/errors.js';
import type { Account } from '../../gateways/credentials/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import type { Position } from '../../gateways/event-store/port.js';
import type { AccountDeps, Meta } from './context.js';
import { AccountError } from './errors.js';
import { checkPassword } from './passwords.js';
import { registerAccount, runUserCommand } from './register.js';
import { issueTokenPair, type TokenPair } from './session-tokens.js';
import { checkCredentials } from './sign-in.js';

export interface NewAccountInput {
  username: string;
  password: string;
  displayName: string;
}

export interface CreatedAccount {
  userId: string;
  username: string;
  role: Role;
  position: Position | undefined;
}

function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    reject('VALIDATION_FAILED', 'username must be 1-64 letters, digits or ._@- (not starting with a symbol)');
  }
  return username as string;
}

/** Whether POST /v1/auth/signup would take a new account now (the first one, or open sign-up). */
export async function signUpOpen(deps: AccountDeps): Promise<boolean> {
  return deps.settings.openSignup || !(await deps.credentials.anyAccount());
}

/** POST /v1/auth/signup: the first account (an admin), or anyone's with open sign-up. */
export async function signUp(deps: AccountDeps, input: NewAccountInput, correlationId?: string): Promise<CreatedAccount> {
  const first = !(await deps.credentials.anyAccount());
  if (!first && !deps.settings.openSignup) throw signupClosed();
  const created = await createAccount(deps, input, { role: first ? 'admin' : 'user', first }, (userId) => ({ actorId: userId, correlationId }));
  return created;
}

/** An account made by an admin or an operator (`chorus users create`). */
export async function createUser(
  deps: AccountDeps,
  input: NewAccountInput & { role?: Role; plan?: Plan; country?: string },
  meta: Meta,
): Promise<CreatedAccount> {
  return createAccount(deps, input, { role: input.role ?? 'user', first: false, plan: input.plan, country: input.country }, () => meta);
}

async function createAccount(
  deps: AccountDeps,
  input: NewAccountInput,
  options: { role: Role; first: boolean; plan?: Plan; country?: string },
  meta: (userId: string) => Meta,
): Promise<CreatedAccount> {
  const username = checkUsername(input.username);
  const password = checkPassword(input.password);
  const displayName = checkName(input.displayName, 'displayName');
  const now = deps.now().toISOString();
  const account: Account = {
    userId: `u-${uuidv7()}`,
    username,
    passwordHash: await deps.hasher.hash(password),
    displayName,
    initialRole: options.role,
    createdAt: now,
    passwordChangedAt: now,
  };
  const outcome = await deps.credentials.createAccount(account, { first: options.first });
  if (outcome === 'username-taken') throw new AccountError('USERNAME_TAKEN', `the username ${JSON.stringify(username)} is taken`);
  if (outcome === 'not-first') {
    // Another sign-up was first a moment ago: with open sign-up this one is a plain user.
    if (!deps.settings.openSignup) throw signupClosed();
    return createAccount(deps, input, { ...options, role: 'user', first: false }, meta);
  }
  deps.accountCreated?.();
  const result = await registerAccount(deps, account, meta(account.userId), { plan: options.plan, country: options.country });
  return { userId: account.userId, username, role: options.role, position: result.position };
}

const signupClosed = () => new AccountError('SIGNUP_CLOSED', 'sign-up is closed on this server: an admin creates accounts');

/**
 * Changes one's own password, knowing the current one. Every refresh token of the user is revoked
 * (other devices are signed out); the answer is a new sign-in for this device.
 */
export async function changeOwnPassword(
  deps: AccountDeps,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  address: string,
): Promise<TokenPair> {
  const account = await deps.credentials.accountByUserId(userId);
  if (!account) throw noLocalAccount();
  const next = checkPassword(input.newPassword, 'newPassword');
  try {
    await checkCredentials(deps, { username: account.username, password: input.currentPassword }, address);
  } catch (error) {
    if (error instanceof AccountError && error.code === 'INVALID_CREDENTIALS') throw new AccountError('WRONG_PASSWORD', 'the current password is wrong');
    throw error;
  }
  await deps.credentials.setPasswordHash(userId, await deps.hasher.hash(next), deps.now().toISOString(), { revokeSessions: true });
  return issueTokenPair(deps, userId);
}

/** Sets a password without the old one (admins, `chorus users set-password`); signs out every session. */
export async function setPassword(deps: AccountDeps, userId: string, password: string): Promise<void> {
  const next = checkPassword(password);
  const changed = await deps.credentials.setPasswordHash(userId, await deps.hasher.hash(next), deps.now().toISOString(), { revokeSessions: true });
  if (!changed) throw noLocalAccount();
}

export async function changeDisplayName(deps: AccountDeps, userId: string, displayName: string, meta: Meta): Promise<Position | undefined> {
  const result = await runUserCommand(deps, { type: 'ChangeProfile', userId, displayName, at: deps.now().toISOString() }, meta);
  return result.position;
}

const noLocalAccount = () => new AccountError('NO_LOCAL_ACCOUNT', 'this user has no local account (signed in with a dev token or an identity provider)');
