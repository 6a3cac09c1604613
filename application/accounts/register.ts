/** The user events of a local account: registration (replayed until stored) and what changes it. */
import { handleCommand, loadStream, type CommandResult } from '../handle-command.js';
import { userDecider, type UserCommand, type UserState } from '../../domain/user/decider.js';
import { userStream, type UserEvent } from '../../domain/user/events.js';
import type { Account } from '../../gateways/credentials/port.js';
import type { AccountDeps, Meta } from './context.js';

export function runUserCommand(deps: Pick<AccountDeps, 'store'>, command: UserCommand, meta: Meta): Promise<CommandResult<UserEvent, UserState>> {
  return handleCommand(deps.store, userDecider, userStream(command.userId), command, meta);
}

/**
 * Registers the account's user (role and username included) if it is not registered yet: the
 * account is stored first, so a crash between the two is mended at its next sign-in. A removed
 * user is refused (USER_REMOVED).
 */
export function registerAccount(deps: Pick<AccountDeps, 'store'>, account: Account, meta: Meta, extra: { plan?: 'free' | 'premium'; country?: string } = {}) {
  return runUserCommand(
    deps,
    {
      type: 'RegisterUser',
      userId: account.userId,
      displayName: account.displayName,
      role: account.initialRole,
      username: account.username,
      ...extra,
      at: account.createdAt,
    },
    meta,
  );
}

export async function userState(deps: Pick<AccountDeps, 'store'>, userId: string): Promise<UserState> {
  return (await loadStream(deps.store, userDecider, userStream(userId))).state;
}
