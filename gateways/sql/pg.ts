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
  type SqlExecutor,
  type SqlParam,
} from './port.js';

export interface PgClientOptions {
  connectionString: string;
  /** Pool size; defaults to 20. */
  max?: number;
  /** Shown in pg_stat_activity; tests use it to find (and drop) this client's connections. */
  applicationName?: string;
  logger?: Logger;
}

/** SQLSTATE classes that mean the connection, not the statement, failed. */
const CONNECTION_STATES = /^(08|57P0[1-3])/;

export function translatePgError(error: unknown): Error {
  if (error instanceof SqlError || error instanceof SqlConnectionError) return error;
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

  const executor = (runner: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<Row extends object>(text: string, params?: readonly SqlParam[]): Promise<Row[]> {
      try {
        const result = await runner.query<Row>(text, params as unknown[] | undefined);
        return result.rows;
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
  const listeners = new Set<pg.Client>();

  return {
    kind: 'postgres',
    query: poolExecutor.query,
    exec: poolExecutor.exec,

    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translatePgError(error);
      }
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        const translated = translatePgError(error);
        if (translated instanceof SqlConnectionError) {
          broken = translated;
        } else {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = translatePgError(rollbackError);
          });
        }
        throw translated;
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

    async close(): Promise<void> {
      await Promise.all([...listeners].map((client) => client.end().catch(() => undefined)));
      listeners.clear();
      await pool.end();
    },
  };
}
