/**
 * The `chorus` command's composition root (bin/chorus.mjs runs this): reads the configuration,
 * and gives the CLI (cli/) a context with the storage and the Kafka relay the configuration points
 * at, as app/main.ts does for the server.
 */
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { CliFailure, UsageError } from '../cli/args.js';
import { cliLogger, type CliContext, type CliStorage } from '../cli/context.js';
import { runCommand } from '../cli/run.js';
import type { Cache } from '../gateways/cache/port.js';
import { allProjections } from '../projections/index.js';
import type { Projection } from '../projections/projection.js';
import { startAccounts } from './accounts.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { relaySettings, startRelay } from './relay.js';
import { openStorage } from './storage.js';
import { FolderMediaStore } from '../gateways/media/folder.js';

export interface CliOptions {
  /** The projections `projections status|rebuild` know (default: allProjections). */
  projections?: readonly Projection[];
  /** A cache to use instead of opening REDIS_URL (tests); the caller closes it. */
  cache?: Cache;
  env?: NodeJS.ProcessEnv;
  stdout?: Writable;
  stderr?: Writable;
  /** Where passwords are read from (default: the process's stdin). */
  stdin?: Readable;
  /** Aborting it stops a running command cleanly (the process wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

/** Runs one CLI invocation; resolves to its exit code. Never exits the process. */
export function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  return runCommand(argv, { stdout, stderr }, () => cliContext(options, stdout, stderr));
}

async function cliAccounts(config: Config, storage: CliStorage, logger: CliContext['logger']) {
  return (await startAccounts(config, { store: storage.events, sql: storage.sql, cache: storage.cache, logger }, { cli: true })).accounts;
}

function cliContext(options: CliOptions, stdout: Writable, stderr: Writable): CliContext {
  const env = options.env ?? process.env;
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  // Quieter than the server by default (warn) unless LOG_LEVEL says otherwise.
  const logger = cliLogger(env.LOG_LEVEL ? config.logLevel : 'warn', stderr);
  return {
    logger,
    stdout,
    stderr,
    projections: options.projections ?? allProjections,
    cache: options.cache,
    signal: options.signal ?? new AbortController().signal,
    stdin: options.stdin ?? process.stdin,
    accounts: (storage) => cliAccounts(config, storage, logger),
    settings: { logLevel: config.logLevel, redis: config.redisUrl !== undefined, kafkaBrokers: config.kafkaBrokers },
    openStorage: () => openCliStorage(config, logger),
    media: () => FolderMediaStore.open(config.media.dir),
    relay() {
      let name: string;
      try {
        // The CHORUS_KAFKA_* settings are read from the environment of the process.
        name = relaySettings(config, process.env).name;
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(`relay: ${error.message}`);
        throw error;
      }
      return {
        name,
        async start(storage: CliStorage, relayLogger) {
          const running = await startRelay({ config, store: storage.events, sql: storage.sql, logger: relayLogger, env: process.env });
          return { snapshot: () => running.relay.snapshot(), stop: () => running.stop() };
        },
      };
    },
  };
}

async function openCliStorage(config: Config, logger: CliContext['logger']): Promise<CliStorage> {
  try {
    return await openStorage(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new CliFailure(error.message);
    const what = config.databaseUrl || config.esdbUrl ? 'the configured servers' : `the data folder ${config.dataDir}`;
    throw new CliFailure(`could not open ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The process entry: signals, exit code, and stdout flushed before exiting. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGTERM' ? 143 : 130;
    if (controller.signal.aborted) process.exit(code); // a second signal: stop now
    controller.abort(signal);
    // Commands stop at the next event or step; one that cannot is not waited for long.
    setTimeout(() => process.exit(code), 5_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that goes away (`| head`) must not crash us with EPIPE.
  process.stdout.on('error', () => undefined);

  const code = await runCli(argv, { signal: controller.signal });
  await new Promise<void>((resolve) => {
    if (process.stdout.destroyed || process.stdout.errored || process.stdout.writableEnded) return resolve();
    process.stdout.write('', () => resolve());
  });
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
