/** SqlClient on node `pg`, against a PostgreSQL server. */
import pg from 'pg';
import type { Logger } from 'pino';
import {
  SqlConnectionError,
  SqlError,
  assertChannelName,
  type Listener,
  type NotificationHandlers,
  type SqlClient,
  type SqlLock,
  type SqlExecutor,
  type SqlParam,
  type TransactionOptions,
} from './port.js';
import { StatementNames, isStalePlan } from './statement-names.js';

export interface PgClientOptions {
  connectionString: string;
  /** Pool size; defaults to 20. */
  max?: number;
  /** Shown in pg_stat_activity; tests use it to find (and drop) this client's connections. */
  applicationName?: string;
  logger?: Logger;
  /**
   * Prepare the statements used often (statement-names.ts) instead of having Postgres parse and
   * plan each call afresh (default true). Off for a connection pooler that cannot keep prepared
   * statements (PgBouncer in transaction mode before 1.21).
   */
  prepareStatements?: boolean;
}

/** A transaction whose commit does not wait for the WAL flush (TransactionOptions.waitForFlush). */
const BEGIN_NO_FLUSH_WAIT = 'BEGIN; SET LOCAL synchronous_commit = off';

/** How long close() lets running statements finish before it cancels them. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Whether a session of this database holds the advisory lock tryLock takes for $1. pg_locks shows
 * a bigint key as two oids: its high 32 bits (classid) and its low 32 bits (objid), objsubid 1.
 */
const LOCK_HELD_SQL = `select exists (
  select 1 from pg_locks
  where locktype = 'advisory' and granted and objsubid = 1
    and database = (select oid from pg_database where datname = current_database())
    and classid = ((hashtextextended($1, 0) >> 32) & 4294967295)::oid
    and objid = (hashtextextended($1, 0) & 4294967295)::oid
) as held`;

/** SQLSTATE classes that mean the connection, not the statement, failed. */
const CONNECTION_STATES = /^(08|57P0[1-3])/;

export function translatePgError(error: unknown): Error {
  if (error instanceof SqlError || error instanceof SqlConnectionError) return error;
  if (isStalePlan(error)) {
    // A view's columns changed under a prepared statement: passing (the statement is prepared
    // afresh under a new name, and in a transaction the connection is dropped with it).
    return new SqlConnectionError('a prepared statement went stale (a view it reads changed); it is prepared again', { cause: error });
  }
  if (error instanceof pg.DatabaseError) {
    if (error.code && CONNECTION_STATES.test(error.code)) {
      return new SqlConnectionError(error.message, { cause: error });
    }
    return new SqlError(error.message, error.code, error.constraint, { cause: error });
  }
  // Anything that is not a server error (ECONNRESET, "Connection terminated", pool errors) is a
  // connection-level failure.
  const message = error instanceof Error ? error.message : String(error);
  return new SqlConnectionError(message, { cause: error });
}

export function createPgClient(options: PgClientOptions): SqlClient {
  const config: pg.PoolConfig = {
    connectionString: options.connectionString,
    max: options.max ?? 20,
    application_name: options.applicationName ?? 'chorus',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  };
  const pool = new pg.Pool(config);
  // An idle client whose connection drops emits 'error' on the pool; without a handler that
  // would crash the process. The pool discards the client; the next query opens a new one.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'postgres: idle connection lost'));
  // The server processes of the pool's connections in use, so that close() can cancel what runs.
  const busy = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => busy.add(client));
  pool.on('release', (_error, client) => busy.delete(client));
  pool.on('remove', (client) => busy.delete(client as pg.PoolClient));

  /** Cancels the statements running on the pool's connections (they fail with 57014, their transactions roll back). */
  const cancelRunning = async (): Promise<void> => {
    const pids = [...busy].map((client) => (client as unknown as { processID: number | null }).processID).filter((pid) => pid !== null);
    if (pids.length === 0) return;
    options.logger?.warn({ connections: pids.length }, 'postgres: statements still running at close; cancelling them');
    const canceller = new pg.Client({ ...config, application_name: `${config.application_name}:cancel` });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } catch (error) {
      options.logger?.warn({ err: error }, 'postgres: cancelling the running statements failed');
    } finally {
      await canceller.end().catch(() => undefined);
    }
  };

  const names = options.prepareStatements === false ? undefined : new StatementNames();
  const run = async <Row extends object>(runner: pg.Pool | pg.PoolClient, text: string, params: readonly SqlParam[] | undefined): Promise<Row[]> => {
    const values = params?.map((param) => (Array.isArray(param) ? arrayLiteral(param as readonly unknown[]) : param));
    // Only statements with parameters go through the extended protocol, where a name is possible.
    const name = values && names?.nameFor(text);
    if (!name) return (await runner.query<Row>(text, values)).rows;
    try {
      return (await runner.query<Row>({ name, text, values })).rows;
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      const renewed = names!.renew(text)!;
      // In a transaction the statement failed it: the caller's retry will use the new name.
      if (runner !== pool) throw error;
      return (await runner.query<Row>({ name: renewed, text, values })).rows;
    }
  };

  const executor = (runner: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<Row extends object>(text: string, params?: readonly SqlParam[]): Promise<Row[]> {
      try {
        return await run<Row>(runner, text, params);
      } catch (error) {
        throw translatePgError(error);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await runner.query(script);
      } catch (error) {
        throw translatePgError(error);
      }
    },
  });

  const poolExecutor = executor(pool);
  /** Dedicated connections (LISTEN, locks), ended on close. */
  const listeners = new Set<pg.Client>();

  return {
    kind: 'postgres',
    query: poolExecutor.query,
    exec: poolExecutor.exec,

    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translatePgError(error);
      }
      let broken: Error | undefined;
      try {
        // One round trip either way (the simple protocol runs both statements).
        await client.query(options?.waitForFlush === false ? BEGIN_NO_FLUSH_WAIT : 'BEGIN').catch((error: unknown) => {
          throw translatePgError(error);
        });
        // Errors of `work` pass through as they are: its queries translate their own, and the
        // caller's own errors are not the driver's to classify.
        const result = await work(executor(client));
        await client.query('COMMIT').catch((error: unknown) => {
          throw translatePgError(error);
        });
        return result;
      } catch (error) {
        if (error instanceof SqlConnectionError) {
          broken = error;
        } else {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = translatePgError(rollbackError);
          });
        }
        throw error;
      } finally {
        // Releasing with an error destroys the connection instead of returning it to the pool.
        client.release(broken);
      }
    },

    async listen(channel: string, handlers: NotificationHandlers): Promise<Listener> {
      const client = new pg.Client({ ...config, application_name: `${config.application_name}:listen` });
      let lost = false;
      const lose = (error: Error) => {
        if (lost) return;
        lost = true;
        listeners.delete(client);
        client.removeAllListeners('notification');
        client.end().catch(() => undefined);
        handlers.onLost(error);
      };
      client.on('error', (error) => lose(translatePgError(error)));
      client.on('end', () => lose(new SqlConnectionError('listening connection ended')));
      client.on('notification', (message) => {
        if (message.channel === channel) handlers.onNotify(message.payload ?? '');
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${assertChannelName(channel)}`);
      } catch (error) {
        lost = true;
        client.removeAllListeners();
        client.on('error', () => undefined);
        await client.end().catch(() => undefined);
        throw translatePgError(error);
      }
      listeners.add(client);
      return {
        async close() {
          if (lost) return;
          lost = true;
          listeners.delete(client);
          client.removeAllListeners();
          client.on('error', () => undefined);
          await client.end().catch(() => undefined);
        },
      };
    },

    async tryLock(name: string): Promise<SqlLock | undefined> {
      // A process standing by asks every second or so, for each job: looking first (on a pooled
      // connection) spares the server a new connection, and its process, while another holds it.
      const [look] = await poolExecutor.query<{ held: boolean }>(LOCK_HELD_SQL, [name]);
      if (look?.held) return undefined;
      // A session-level advisory lock lives as long as its connection: it gets one of its own.
      const client = new pg.Client({ ...config, application_name: `${config.application_name}:lock` });
      let signalLost!: () => void;
      const lost = new Promise<void>((resolve) => (signalLost = resolve));
      client.on('error', () => signalLost());
      client.on('end', () => signalLost());
      try {
        await client.connect();
        const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [name]);
        if (!rows[0]?.locked) {
          await client.end();
          return undefined;
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        throw translatePgError(error);
      }
      listeners.add(client);
      return {
        lost,
        async release() {
          listeners.delete(client);
          client.removeAllListeners('end');
          await client.end().catch(() => undefined);
        },
      };
    },

    async close(): Promise<void> {
      await Promise.all([...listeners].map((client) => client.end().catch(() => undefined)));
      listeners.clear();
      // A statement that still runs after a grace (a lock held elsewhere, a hung server) is
      // cancelled: the pool ends once its connections are back, and closing must end.
      const grace = setTimeout(() => void cancelRunning(), CLOSE_GRACE_MS);
      try {
        await pool.end();
      } finally {
        clearTimeout(grace);
      }
    },
  };
}

/**
 * A one-dimensional array parameter as Postgres's text form, as the driver would send it (every
 * element quoted, `\` and `"` escaped, NULL for null), escaping only the elements that need it: the
 * driver's own (two regular-expression replacements per element) was a twentieth of a projection
 * rebuild's CPU, with 5,000-row batches sent as arrays.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) {
      out += 'NULL';
      continue;
    }
    const text = typeof value === 'string' ? value : String(value);
    out += text.includes('"') || text.includes('\\') ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${text}"`;
  }
  return `${out}}`;
}
