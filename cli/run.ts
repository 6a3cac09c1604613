/**
 * The analyst and operator CLI (`npx chorus ...`; bin/chorus.mjs -> app/cli-main.ts -> here):
 *
 *   chorus events [--from P] [--type T ...] [--stream-prefix P ...] [--limit N] [--follow]
 *   chorus catalog import FILE.json [--audio-dir DIR]
 *   chorus library scan DIR [--watch]
 *   chorus audio attach TRACK_ID FILE
 *   chorus projections status [--json]
 *   chorus projections rebuild <name>
 *   chorus recs rebuild [--user ID] [--limit N]
 *   chorus relay [--status]
 *   chorus kafka tail --topic T [--from-beginning] [--limit N] [--value-only]
 *   chorus users create|list|set-password|set-role|delete ...
 *
 * It works on what the configuration points at — DATABASE_URL / ESDB_URL / REDIS_URL, or the
 * embedded data folder (CHORUS_DATA_DIR), which a running server holds for itself. Data goes to
 * stdout; logs and progress to stderr. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import type { Writable } from 'node:stream';
import { CliFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './args.js';
import { CATALOG_IMPORT_HELP, catalogImportCommand } from './catalog-import.js';
import { AUDIO_ATTACH_HELP, LIBRARY_HELP, audioAttachCommand, libraryScanCommand } from './library.js';
import type { CliContext } from './context.js';
import { EVENTS_HELP, eventsCommand } from './events.js';
import { KAFKA_TAIL_HELP, kafkaTailCommand } from './kafka-tail.js';
import { OutputClosedError } from './output.js';
import { PROJECTIONS_HELP, projectionsRebuildCommand, projectionsStatusCommand } from './projections.js';
import { RECS_HELP, recsRebuildCommand } from './recs.js';
import { RELAY_HELP, relayCommand } from './relay.js';
import { USERS_HELP, usersCreateCommand, usersDeleteCommand, usersListCommand, usersSetPasswordCommand, usersSetRoleCommand } from './users.js';

export const USAGE = `Usage: chorus <command> [options]

Commands:
  events [--from P] [--type T] [--stream-prefix P] [--limit N] [--follow]
                               print events as NDJSON envelopes on stdout
  catalog import FILE.json [--audio-dir DIR]
                               check a catalog file, then add its artists and albums
                               (and the audio of its tracks, DIR/<trackId>.<ext>)
  library scan DIR [--watch]   bring the catalog in line with a folder of audio files
  audio attach TRACK_ID FILE   transcode FILE and attach it to a catalog track
  projections status [--json]  the read models: generations, checkpoints, lag
  projections rebuild <name>   build a projection again from the first event
  recs rebuild [--user ID]     build the recommendations model from the events, in this
                               process, with progress; print its size (and a listener's list)
  relay [--status]             publish every event to Kafka (KAFKA_BROKERS) until SIGINT/SIGTERM
  kafka tail --topic T [--from-beginning] [--limit N]
                               print a Kafka topic's records as NDJSON on stdout
  users create|list|set-password|set-role|delete
                               local accounts (passwords from a prompt or stdin)

Run "chorus <command> --help" for a command's options.

Where: DATABASE_URL (PostgreSQL), ESDB_URL (EventStoreDB for events) and REDIS_URL select servers;
without them the embedded data folder CHORUS_DATA_DIR (default ./.chorus) is used, which a
running Chorus server keeps to itself. KAFKA_BROKERS points relay and kafka tail at Kafka.
Logs go to stderr (LOG_LEVEL, default warn).

Exit codes: 0 ok, 1 failure, 2 usage error.`;

/** Where a command writes. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
}

interface Command {
  help: string;
  run(ctx: CliContext, args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  events: { help: EVENTS_HELP, run: eventsCommand },
  'catalog import': { help: CATALOG_IMPORT_HELP, run: catalogImportCommand },
  'library scan': { help: LIBRARY_HELP, run: libraryScanCommand },
  'audio attach': { help: AUDIO_ATTACH_HELP, run: audioAttachCommand },
  'projections status': { help: PROJECTIONS_HELP, run: projectionsStatusCommand },
  'projections rebuild': { help: PROJECTIONS_HELP, run: projectionsRebuildCommand },
  'recs rebuild': { help: RECS_HELP, run: recsRebuildCommand },
  relay: { help: RELAY_HELP, run: relayCommand },
  'kafka tail': { help: KAFKA_TAIL_HELP, run: kafkaTailCommand },
  'users create': { help: USERS_HELP, run: usersCreateCommand },
  'users list': { help: USERS_HELP, run: usersListCommand },
  'users set-password': { help: USERS_HELP, run: usersSetPasswordCommand },
  'users set-role': { help: USERS_HELP, run: usersSetRoleCommand },
  'users delete': { help: USERS_HELP, run: usersDeleteCommand },
};

const GROUPS: Record<string, string> = { library: LIBRARY_HELP, audio: AUDIO_ATTACH_HELP, catalog: CATALOG_IMPORT_HELP, projections: PROJECTIONS_HELP, recs: RECS_HELP, kafka: KAFKA_TAIL_HELP, users: USERS_HELP };

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/**
 * Runs one CLI invocation; resolves to its exit code. Never exits the process. `context` builds
 * what the command gets (configuration, storage): it is called once the command is known, so that
 * help works whatever the configuration; a UsageError from it is a usage error (exit code 2).
 */
export async function runCommand(argv: readonly string[], io: CliIo, context: () => CliContext): Promise<number> {
  const { stdout, stderr } = io;
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

  let ctx: CliContext;
  try {
    ctx = context();
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT_USAGE, error.message);
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
