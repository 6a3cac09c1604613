/**
 * What admins do with users: list them, change role, plan, country and display name (each an
 * event), and remove them (UserRemoved, then every credential deleted). An admin cannot take their
 * own admin role nor remove themselves, so a server always keeps the admin who acts; operators use
 * `chorus users` for anything else.
 */
import type { Plan, Role } from '../../domain/user/events.js';
import type { UserCommand } from '../../domain/user/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { Position } from '../../gateways/event-store/port.js';
import type { AccountDeps, Meta } from './context.js';
import { AccountError } from './errors.js';
import { rememberedSignIns } from './remembered-sign-ins.js';
import { runUserCommand, userState } from './register.js';

export interface UserChanges {
  role?: Role;
  plan?: Plan;
  /** null: forget the country. */
  country?: string | null;
  displayName?: string;
}

/** ADMIN_ONLY unless `userId` is a registered admin (read from their stream, so a demotion counts at once). */
export async function requireAdmin(deps: Pick<AccountDeps, 'store'>, userId: string): Promise<void> {
  const state = await userState(deps, userId);
  if (state.status !== 'registered' || state.role !== 'admin') throw new AccountError('ADMIN_ONLY', 'only an admin may do this');
}

/** Applies the changes in order (role, plan and country, display name); `actorId` is who asks (an admin, or the CLI). */
export async function changeUser(deps: AccountDeps, userId: string, changes: UserChanges, meta: Meta): Promise<Position | undefined> {
  if (changes.role === 'user' && meta.actorId === userId) throw cannotChangeSelf();
  const at = deps.now().toISOString();
  const commands: UserCommand[] = [];
  if (changes.role !== undefined) commands.push({ type: 'ChangeRole', userId, role: changes.role, at });
  if (changes.plan !== undefined || changes.country !== undefined) commands.push({ type: 'ChangeSubscription', userId, plan: changes.plan, country: changes.country, at });
  if (changes.displayName !== undefined) commands.push({ type: 'ChangeProfile', userId, displayName: changes.displayName, at });
  let position: Position | undefined;
  // Each command checks before it writes; the first refused one stops the rest. The user must exist first.
  if (commands.length === 0) await requireRegistered(deps, userId);
  for (const command of commands) position = (await runUserCommand(deps, command, meta)).position ?? position;
  return position;
}

export async function removeUser(deps: AccountDeps, userId: string, meta: Meta): Promise<Position | undefined> {
  if (meta.actorId === userId) throw cannotChangeSelf();
  const result = await runUserCommand(deps, { type: 'RemoveUser', userId, at: deps.now().toISOString() }, meta);
  await deps.credentials.deleteCredentials(userId);
  rememberedSignIns(deps.credentials).forget(userId);
  return result.position;
}

async function requireRegistered(deps: Pick<AccountDeps, 'store'>, userId: string): Promise<void> {
  const state = await userState(deps, userId);
  if (state.status !== 'registered') throw new DomainError('USER_NOT_FOUND', `user ${userId} is not registered`);
}

const cannotChangeSelf = () =>
  new AccountError('CANNOT_CHANGE_OWN_ROLE', 'an admin cannot take their own admin role nor remove themselves: another admin (or `chorus users`) can');
