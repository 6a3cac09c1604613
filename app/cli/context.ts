/**
 * What every CLI command gets: its configuration, a logger on stderr, stdout/stderr, the
 * projections it knows, and a way to open the storage the configuration points at.
 */
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Cache } from '../../gateways/redis/port.js';
import type { Projection } from '../../projections/projection.js';
import type { Config } from '../config.js';
import { DataDirLockedError } from '../data-dir-lock.js';
import { openStorage, type Storage } from '../storage.js';
import { CliFailure } from './args.js';

export interface CliContext {
  config: Config;
  logger: Logger;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  projections: readonly Projection[];
  /** A cache to use instead of opening one from REDIS_URL (tests); not closed by the CLI. */
  cache: Cache | undefined;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly. */
  signal: AbortSignal;
}

/** Logs go to stderr; quieter than the server by default (warn) unless LOG_LEVEL says otherwise. */
export function cliLogger(env: NodeJS.ProcessEnv, config: Config, stderr: Writable): Logger {
  const level = env.LOG_LEVEL ? config.logLevel : 'warn';
  const destination = stderr === process.stderr ? pino.destination({ dest: 2, sync: true }) : stderr;
  return pino({ level, base: { tool: 'chorus-cli' } }, destination);
}

/** Opens the storage, runs `work`, and closes the storage whatever happens. */
export async function withStorage<T>(ctx: CliContext, work: (storage: Storage) => Promise<T>): Promise<T> {
  let storage: Storage;
  try {
    storage = await openStorage(ctx.config, ctx.logger);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new CliFailure(error.message);
    const what = ctx.config.databaseUrl || ctx.config.esdbUrl ? 'the configured servers' : `the data folder ${ctx.config.dataDir}`;
    throw new CliFailure(`could not open ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
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
