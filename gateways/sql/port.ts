/**
 * The SqlClient port: the one small surface that the Postgres-backed code (event store, read
 * models) needs, implemented on node `pg` against a server and on PGlite in embedded mode.
 * Both adapters translate driver errors into SqlError / SqlConnectionError.
 */

export type SqlParam = string | number | boolean | null | Date | readonly (string | null)[] | readonly number[];

export interface SqlExecutor {
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Runs several statements without parameters (DDL, scripts). */
  exec(script: string): Promise<void>;
}

export interface NotificationHandlers {
  onNotify(payload: string): void;
  /** The listening connection is gone; no more notifications arrive through this listener. */
  onLost(error: Error): void;
}

export interface Listener {
  close(): Promise<void>;
}

/** A lock held for as long as its holder runs (a session-level advisory lock on Postgres). */
export interface SqlLock {
  /** Resolves if the lock is lost (its connection dropped): the holder must stop. */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

/** How a transaction commits. */
export interface TransactionOptions {
  /**
   * false: the commit returns without waiting for its WAL to reach the disk (`SET LOCAL
   * synchronous_commit = off` on Postgres). Still atomic and at once visible; a crash of the
   * database server can lose the last such commits (well under a second of them), never a part
   * of one. Only for writes that are derived from durable data and recorded together with how
   * far they got, so that what a crash loses is done again: a projection's batch with its
   * checkpoint. Default true. PGlite commits as ever (the option changes nothing there).
   */
  waitForFlush?: boolean;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** LISTEN on a channel. */
  listen(channel: string, handlers: NotificationHandlers): Promise<Listener>;
  /** Takes the named lock if no one (in any process) holds it; undefined when someone does. */
  tryLock(name: string): Promise<SqlLock | undefined>;
  close(): Promise<void>;
}

/** An error the database reported for a statement (constraint, syntax, ...). */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    message: string,
    /** The SQLSTATE, e.g. 23505 for a unique violation. */
    readonly sqlState: string | undefined,
    readonly constraint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The connection failed or was lost; the statement may or may not have taken effect. */
export class SqlConnectionError extends Error {
  override readonly name = 'SqlConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const UNIQUE_VIOLATION = '23505';

/** Quotes an identifier (channel, table or schema name) for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Notification channels are plain lower-case identifiers, used unquoted by every adapter. */
export function assertChannelName(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name ${JSON.stringify(channel)}`);
  return channel;
}
