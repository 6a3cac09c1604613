/**
 * `chorus users create|list|set-password|set-role|delete`: local accounts for operators, on the
 * storage the configuration points at (a running embedded server holds its data folder: stop it,
 * or use the admin API). Passwords are read from a prompt or stdin, never from the arguments.
 */
import { createUser, setPassword } from '../application/accounts/accounts.js';
import { changeUser, removeUser } from '../application/accounts/admin.js';
import { AccountError } from '../application/accounts/errors.js';
import { userState } from '../application/accounts/register.js';
import { DomainError } from '../domain/shared/errors.js';
import type { Plan } from '../domain/user/events.js';
import { CliFailure, EXIT_OK, UsageError, parse } from './args.js';
import { withStorage, type CliContext } from './context.js';
import { readPassword } from './password-input.js';

export const USERS_HELP = `Usage: chorus users <command>

  create USERNAME [--display-name NAME] [--admin] [--plan free|premium] [--country CC]
                            make a local account (the password is read from a prompt, or the
                            first line of stdin); prints {"userId", "username", "role"}
  list [--json]             the local accounts: username, user id, role, plan, country
  set-password USERNAME     a new password (prompt or stdin); signs the user out everywhere
  set-role USERNAME admin|user
                            give or take the admin role
  delete USERNAME           remove the user (UserRemoved) and every credential they had

Passwords never go on the command line. Exit codes: 0 ok, 1 failure, 2 usage error.`;

const ACTOR = 'chorus-cli';
const meta = { actorId: ACTOR };

function oneName(command: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`users ${command}: expected one USERNAME (see chorus users --help)`);
  return positionals[0]!;
}

/** Account errors as one line (exit code 1). */
async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AccountError || error instanceof DomainError) throw new CliFailure(`${error.code}: ${error.message}`);
    throw error;
  }
}

export async function usersCreateCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('users create', args, {
    'display-name': { type: 'string' },
    admin: { type: 'boolean', default: false },
    plan: { type: 'string' },
    country: { type: 'string' },
  });
  const username = oneName('create', positionals);
  if (values.plan !== undefined && values.plan !== 'free' && values.plan !== 'premium') throw new UsageError('users create: --plan is free or premium');
  const password = await readPassword(ctx);
  return withStorage(ctx, async (storage) => {
    const deps = await ctx.accounts(storage);
    const created = await explained(() =>
      createUser(
        deps,
        { username, password, displayName: values['display-name'] ?? username, role: values.admin ? 'admin' : 'user', plan: values.plan as Plan | undefined, country: values.country },
        meta,
      ),
    );
    ctx.stdout.write(`${JSON.stringify({ userId: created.userId, username: created.username, role: created.role })}\n`);
    return EXIT_OK;
  });
}

export async function usersListCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parse('users list', args, { json: { type: 'boolean', default: false } });
  return withStorage(ctx, async (storage) => {
    const deps = await ctx.accounts(storage);
    const rows = [];
    for (const account of await deps.credentials.listAccounts()) {
      const state = await userState(deps, account.userId);
      const user = state.status === 'registered' ? state : undefined;
      rows.push({
        username: account.username,
        userId: account.userId,
        displayName: user?.displayName ?? account.displayName,
        role: user?.role ?? account.initialRole,
        plan: user?.plan ?? 'free',
        country: user?.country ?? null,
        createdAt: account.createdAt,
      });
    }
    if (values.json) for (const row of rows) ctx.stdout.write(`${JSON.stringify(row)}\n`);
    else {
      ctx.stdout.write(`${['USERNAME', 'ROLE', 'PLAN', 'COUNTRY', 'USER ID', 'NAME'].join('\t')}\n`);
      for (const r of rows) ctx.stdout.write(`${[r.username, r.role, r.plan, r.country ?? '-', r.userId, r.displayName].join('\t')}\n`);
    }
    return EXIT_OK;
  });
}

async function accountOf(ctx: CliContext, deps: Awaited<ReturnType<CliContext['accounts']>>, username: string) {
  const account = await deps.credentials.accountByUsername(username);
  if (!account) throw new CliFailure(`no local account named ${JSON.stringify(username)}`);
  return account;
}

export async function usersSetPasswordCommand(ctx: CliContext, args: string[]): Promise<number> {
  const username = oneName('set-password', parse('users set-password', args, {}).positionals);
  const password = await readPassword(ctx, 'New password');
  return withStorage(ctx, async (storage) => {
    const deps = await ctx.accounts(storage);
    const account = await accountOf(ctx, deps, username);
    await explained(() => setPassword(deps, account.userId, password));
    ctx.stderr.write(`password of ${account.username} changed; every session signed out\n`);
    return EXIT_OK;
  });
}

export async function usersSetRoleCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parse('users set-role', args, {});
  if (positionals.length !== 2 || (positionals[1] !== 'admin' && positionals[1] !== 'user')) {
    throw new UsageError('users set-role: expected USERNAME and admin or user (see chorus users --help)');
  }
  return withStorage(ctx, async (storage) => {
    const deps = await ctx.accounts(storage);
    const account = await accountOf(ctx, deps, positionals[0]!);
    await explained(() => changeUser(deps, account.userId, { role: positionals[1] as 'admin' | 'user' }, meta));
    ctx.stderr.write(`${account.username} is ${positionals[1] === 'admin' ? 'an admin' : 'a user'}\n`);
    return EXIT_OK;
  });
}

export async function usersDeleteCommand(ctx: CliContext, args: string[]): Promise<number> {
  const username = oneName('delete', parse('users delete', args, {}).positionals);
  return withStorage(ctx, async (storage) => {
    const deps = await ctx.accounts(storage);
    const account = await accountOf(ctx, deps, username);
    await explained(() => removeUser(deps, account.userId, meta));
    ctx.stderr.write(`${account.username} removed\n`);
    return EXIT_OK;
  });
}
