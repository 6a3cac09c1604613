/**
 * The analyst and operator CLI (`npx chorus ...`, launched by bin/chorus.mjs):
 *
 *   chorus events [--from P] [--type T ...] [--stream-prefix P ...] [--limit N] [--follow]
 *   chorus catalog import FILE.json
 *   chorus projections status [--json]
 *   chorus projections rebuild <name>
 *   chorus relay [--status]
 *   chorus kafka tail --topic T [--from-beginning] [--limit N] [--value-only]
 *
 * It works on what the configuration points at — DATABASE_URL / ESDB_URL / REDIS_URL, or the
 * embedded data folder (CHORUS_DATA_DIR), which a running server holds for itself. Data goes to
 * stdout; logs and progress to stderr. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import type { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Cache } from '../gateways/redis/port.js';
import { allProjections } from '../projections/index.js';
import type { Projection } from '../projections/projection.js';
import { CliFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli/args.js';
import { CATALOG_IMPORT_HELP, catalogImportCommand } from './cli/catalog-import.js';
import { cliLogger, type CliContext } from './cli/context.js';
import { EVENTS_HELP, eventsCommand } from './cli/events.js';
import { KAFKA_TAIL_HELP, kafkaTailCommand } from './cli/kafka-tail.js';
import { OutputClosedError } from './cli/output.js';
import { PROJECTIONS_HELP, projectionsRebuildCommand, projectionsStatusCommand } from './cli/projections.js';
import { RELAY_HELP, relayCommand } from './cli/relay.js';
import { ConfigError, loadConfig } from './config.js';

export const USAGE = `Usage: chorus <command> [options]

Commands:
  events [--from P] [--type T] [--stream-prefix P] [--limit N] [--follow]
                               print events as NDJSON envelopes on stdout
  catalog import FILE.json     check a catalog file, then add its artists and albums
  projections status [--json]  the read models: generations, checkpoints, lag
  projections rebuild <name>   build a projection again from the first event
  relay [--status]             publish every event to Kafka (KAFKA_BROKERS) until SIGINT/SIGTERM
  kafka tail --topic T [--from-beginning] [--limit N]
                               print a Kafka topic's records as NDJSON on stdout

Run "chorus <command> --help" for a command's options.

Where: DATABASE_URL (PostgreSQL), ESDB_URL (EventStoreDB for events) and REDIS_URL select servers;
without them the embedded data folder CHORUS_DATA_DIR (default ./.chorus) is used, which a
running Chorus server keeps to itself. KAFKA_BROKERS points relay and kafka tail at Kafka.
Logs go to stderr (LOG_LEVEL, default warn).

Exit codes: 0 ok, 1 failure, 2 usage error.`;

export interface CliOptions {
  /** The projections `projections status|rebuild` know (default: allProjections). */
  projections?: readonly Projection[];
  /** A cache to use instead of opening REDIS_URL (tests); the caller closes it. */
  cache?: Cache;
  env?: NodeJS.ProcessEnv;
  stdout?: Writable;
  stderr?: Writable;
  /** Aborting it stops a running command cleanly (the process wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

interface Command {
  help: string;
  run(ctx: CliContext, args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  events: { help: EVENTS_HELP, run: eventsCommand },
  'catalog import': { help: CATALOG_IMPORT_HELP, run: catalogImportCommand },
  'projections status': { help: PROJECTIONS_HELP, run: projectionsStatusCommand },
  'projections rebuild': { help: PROJECTIONS_HELP, run: projectionsRebuildCommand },
  relay: { help: RELAY_HELP, run: relayCommand },
  'kafka tail': { help: KAFKA_TAIL_HELP, run: kafkaTailCommand },
};

const GROUPS: Record<string, string> = { catalog: CATALOG_IMPORT_HELP, projections: PROJECTIONS_HELP, kafka: KAFKA_TAIL_HELP };

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** Runs one CLI invocation; resolves to its exit code. Never exits the process. */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const fail = (code: number, message: string) => {
    stderr.write(`chorus: ${message}\n`);
    return code;
  };

  const [first, second] = argv;
  if (first === undefined) return fail(EXIT_USAGE, `a command is needed\n\n${USAGE}`);
  if (isHelp(first)) {
    stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  const group = GROUPS[first];
  const name = group !== undefined ? `${first} ${second ?? ''}`.trim() : first;
  const command = COMMANDS[name];
  if (!command) {
    if (group !== undefined && (second === undefined || isHelp(second))) {
      if (second === undefined) return fail(EXIT_USAGE, `${first}: which one? (see chorus ${first} --help)\n\n${group}`);
      stdout.write(`${group}\n`);
      return EXIT_OK;
    }
    const known = Object.keys(COMMANDS).join(', ');
    return fail(EXIT_USAGE, `unknown command ${JSON.stringify(name)} (commands: ${known}; see chorus --help)`);
  }
  const args = argv.slice(name.split(' ').length);
  const end = args.indexOf('--');
  if (args.slice(0, end < 0 ? undefined : end).some(isHelpFlag)) {
    stdout.write(`${command.help}\n`);
    return EXIT_OK;
  }

  const env = options.env ?? process.env;
  let ctx: CliContext;
  try {
    const config = loadConfig(env);
    ctx = {
      config,
      logger: cliLogger(env, config, stderr),
      stdout,
      stderr,
      projections: options.projections ?? allProjections,
      cache: options.cache,
      signal: options.signal ?? new AbortController().signal,
    };
  } catch (error) {
    if (error instanceof ConfigError) return fail(EXIT_USAGE, error.message);
    throw error;
  }

  try {
    return await command.run(ctx, args);
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT_USAGE, error.message);
    if (error instanceof OutputClosedError) return EXIT_OK;
    if (error instanceof CliFailure) return fail(EXIT_FAILURE, error.message);
    ctx.logger.debug({ err: error }, `${name} failed`);
    const message = error instanceof Error ? error.message : String(error);
    return fail(EXIT_FAILURE, `${name} failed: ${message} (LOG_LEVEL=debug shows the details)`);
  }
}

const isHelpFlag = (arg: string) => arg === '--help' || arg === '-h';

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
