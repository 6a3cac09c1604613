/**
 * Isolated Postgres databases for tests: each call creates a fresh database on the local server
 * and drops it (forcibly) afterwards, so suites run in parallel without touching each other.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the harness checked (tools/services/up.mjs); overridable for other machines. */
export const ADMIN_URL = process.env.CHORUS_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label = 't'): Promise<TestDatabase> {
  const name = `chorus_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(5).toString('hex')}`;
  await withAdmin((client) => client.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => withAdmin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'chorus-test-admin' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Terminates every server connection of `database` whose application_name starts with `app`. */
export async function terminateConnections(database: string, app: string): Promise<number> {
  return withAdmin(async (client) => {
    const result = await client.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = $1 and application_name like $2 and pid <> pg_backend_pid()`,
      [database, `${app}%`],
    );
    return result.rowCount ?? 0;
  });
}
