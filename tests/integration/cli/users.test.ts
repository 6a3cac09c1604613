/**
 * `chorus users create|list|set-password|set-role|delete`, in process through runCli on a real
 * Postgres database, passwords on stdin; the accounts it makes sign in through the application.
 */
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../app/cli-main.js';
import { checkCredentials } from '../../../application/accounts/sign-in.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { openAccountsWorld } from '../../support/accounts-world.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('cli_users');
});
afterAll(async () => {
  await db?.drop();
});

async function chorus(args: string[], stdinText = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, CHORUS_ARGON2_MEMORY_KIB: '1024', CHORUS_ARGON2_TIME_COST: '1', CHORUS_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64') };
  delete env.KAFKA_BROKERS;
  delete env.REDIS_URL;
  const code = await runCli(args, { env, stdout, stderr, stdin: Readable.from([stdinText]) });
  return { code, stdout: out, stderr: err };
}

/** Checks a password with the server's own sign-in code against the CLI's database. */
async function canSignIn(username: string, password: string): Promise<boolean> {
  const { createPgClient } = await import('../../../gateways/sql/pg.js');
  const { PostgresEventStore } = await import('../../../gateways/event-store/postgres/store.js');
  const world = await openAccountsWorld();
  const sql = createPgClient({ connectionString: db.url, applicationName: 'cli-users-check', max: 2 });
  const store = await PostgresEventStore.open(sql);
  const { SqlCredentialsStore } = await import('../../../gateways/credentials/sql-store.js');
  try {
    await checkCredentials({ ...world.deps, store, sql, credentials: new SqlCredentialsStore(sql) }, { username, password }, 'cli-test');
    return true;
  } catch {
    return false;
  } finally {
    await store.close();
    await sql.close();
    await world.close();
  }
}

describe('chorus users', () => {
  it('creates an admin from a password on stdin, lists it, and the account signs in', async () => {
    const created = await chorus(['users', 'create', 'root', '--admin', '--display-name', 'Root', '--country', 'SE'], 'root-password-1\n');
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'root', role: 'admin', userId: expect.stringMatching(/^u-/) });
    expect(created.stdout + created.stderr).not.toContain('root-password-1');
    const listed = await chorus(['users', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({ username: 'root', role: 'admin', country: 'SE', displayName: 'Root' });
    expect(await canSignIn('root', 'root-password-1')).toBe(true);
  });

  it('sets a password, changes the role, deletes; the old password and then the account stop working', async () => {
    expect((await chorus(['users', 'create', 'ops', '--plan', 'premium'], 'ops-password-1\n')).code).toBe(0);
    const changed = await chorus(['users', 'set-password', 'OPS'], 'ops-password-2\r\n');
    expect(changed.code, changed.stderr).toBe(0);
    expect(await canSignIn('ops', 'ops-password-1')).toBe(false);
    expect(await canSignIn('ops', 'ops-password-2')).toBe(true);
    expect((await chorus(['users', 'set-role', 'ops', 'admin'])).code).toBe(0);
    expect((await chorus(['users', 'list'])).stdout).toMatch(/ops\tadmin\tpremium/);
    expect((await chorus(['users', 'delete', 'ops'])).code).toBe(0);
    expect(await canSignIn('ops', 'ops-password-2')).toBe(false);
    expect((await chorus(['users', 'list', '--json'])).stdout).not.toContain('"ops"');
  });

  it('refuses bad input with a clear message and the right exit code', async () => {
    const taken = await chorus(['users', 'create', 'ROOT'], 'another-password\n');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('USERNAME_TAKEN');
    const short = await chorus(['users', 'create', 'shorty'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('VALIDATION_FAILED');
    const noPassword = await chorus(['users', 'create', 'empty'], '');
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain('no password on stdin');
    const badName = await chorus(['users', 'create', 'bad/name'], 'good-password\n');
    expect(badName.code).toBe(1);
    expect((await chorus(['users', 'create'])).code).toBe(2);
    expect((await chorus(['users', 'create', 'x', '--password', 'nope'])).code).toBe(2);
    expect((await chorus(['users', 'set-role', 'root', 'king'])).code).toBe(2);
    const missing = await chorus(['users', 'delete', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no local account');
    expect((await chorus(['users', '--help'])).stdout).toContain('set-password USERNAME');
  });
});
