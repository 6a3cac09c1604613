/**
 * What every CLI command gets: a logger on stderr, stdout/stderr, the projections it knows, the
 * few settings it reads, and a way to open the storage and start the Kafka relay. The CLI does not
 * read the configuration or open storage itself: the composition root (app/cli-main.ts) builds
 * this context, as app/main.ts builds the server.
 */
import type { Readable, Writable } from 'node:stream';
import type { AccountDeps } from '../application/accounts/context.js';
import { pino, type Logger } from 'pino';
import type { Cache } from '../gateways/cache/port.js';
import type { EventStore } from '../gateways/event-store/port.js';
import type { MediaStore } from '../gateways/media/port.js';
import type { RelaySnapshot } from '../gateways/kafka/relay.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Projection } from '../projections/projection.js';

/** The storage the configuration points at; closed by withStorage. */
export interface CliStorage {
  sql: SqlClient;
  events: EventStore;
  cache: Cache;
  close(): Promise<void>;
}

/** The Kafka relay as the CLI runs it (`chorus relay`). */
export interface CliRelay {
  /** Names the checkpoint and the lock. */
  name: string;
  /** Starts the relay on `storage` (it runs in the background). */
  start(storage: CliStorage, logger: Logger): Promise<{ snapshot(): RelaySnapshot; stop(): Promise<void> }>;
}

export interface CliContext {
  logger: Logger;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  /** Where passwords are read from (a prompt without echo on a terminal, else its first line). */
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  projections: readonly Projection[];
  /** A cache to use instead of opening one from REDIS_URL (tests); not closed by the CLI. */
  cache: Cache | undefined;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly. */
  signal: AbortSignal;
  settings: {
    /** The configured log level (LOG_LEVEL, default info): `chorus relay` logs at it. */
    logLevel: string;
    /** REDIS_URL is set: cache projections live in Redis, within the CLI's reach. */
    redis: boolean;
    kafkaBrokers: string[] | undefined;
  };
  /** Opens the storage the configuration points at; throws CliFailure with a message to show. */
  openStorage(): Promise<CliStorage>;
  /** The media store (CHORUS_MEDIA_DIR, default <data dir>/media). */
  media(): Promise<MediaStore>;
  /** The account use cases on `storage` (the credentials store migrated, keys loaded). */
  accounts(storage: CliStorage): Promise<AccountDeps>;
  /** The relay's settings are checked when it is asked for: UsageError when they are wrong. */
  relay(): CliRelay;
}

/** Logs go to stderr at `level`. */
export function cliLogger(level: string, stderr: Writable): Logger {
  const destination = stderr === process.stderr ? pino.destination({ dest: 2, sync: true }) : stderr;
  return pino({ level, base: { tool: 'chorus-cli' } }, destination);
}

/** Opens the storage, runs `work`, and closes the storage whatever happens. */
export async function withStorage<T>(ctx: CliContext, work: (storage: CliStorage) => Promise<T>): Promise<T> {
  const storage = await ctx.openStorage();
  try {
    return await work(storage);
  } finally {
    await storage.close().catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not close the storage cleanly'));
  }
}

/** 128 + the signal's number, the shell's convention for "ended by a signal". */
export function signalExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? 143 : 130;
}
