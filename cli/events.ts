/**
 * `chorus events`: the global event order as NDJSON envelopes on stdout, one event per line, read
 * page by page (constant memory however long the history), optionally followed live.
 */
import { toEnvelope } from '../gateways/event-store/envelope.js';
import { InvalidInputError } from '../gateways/event-store/errors.js';
import type { EventFilter, EventStore, Position, RecordedEvent } from '../gateways/event-store/port.js';
import { parsePosition } from '../gateways/event-store/position.js';
import { EXIT_OK, UsageError, noPositionals, parse, wholeNumber } from './args.js';
import { signalExitCode, withStorage, type CliContext } from './context.js';
import { LineWriter, ProgressReporter, count } from './output.js';

export const EVENTS_HELP = `Usage: chorus events [options]

Prints the events of every stream as NDJSON envelopes on stdout, in global order:
{ id, type, stream, revision, position, occurredAt, data, metadata } — one event per line.
Without --follow it stops at the newest event that existed when it started.

Options:
  --from POSITION        start after this position (exclusive; as printed in "position")
  --type T               only events of type T (repeatable)
  --stream-prefix P      only events of streams starting with P, e.g. catalog- (repeatable)
  --limit N              stop after N events
  --follow               keep printing new events until SIGINT/SIGTERM (then exit 0)
  --progress             report progress on stderr even when it is not a terminal
  -h, --help             show this help

Exit codes: 0 done (or stdout closed by its reader, or --follow stopped), 1 failure, 2 usage error.`;

export async function eventsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('events', args, {
    from: { type: 'string' },
    type: { type: 'string', multiple: true },
    'stream-prefix': { type: 'string', multiple: true },
    limit: { type: 'string' },
    follow: { type: 'boolean', default: false },
    progress: { type: 'boolean', default: false },
  });
  noPositionals('events', positionals);
  const from = values.from === undefined ? undefined : checkPosition(values.from);
  const limit = values.limit === undefined ? undefined : wholeNumber('--limit', values.limit, 1);
  const filter: EventFilter = {};
  if (values.type?.length) filter.eventTypes = nonEmpty('--type', values.type);
  if (values['stream-prefix']?.length) filter.streamPrefixes = nonEmpty('--stream-prefix', values['stream-prefix']);

  return withStorage(ctx, async ({ events: store }) => {
    const out = new LineWriter(ctx.stdout);
    const started = Date.now();
    let printed = 0;
    let last: Position | undefined;
    const progress =
      ctx.stderr.isTTY || values.progress
        ? new ProgressReporter(ctx.stderr, () => {
            const seconds = Math.max((Date.now() - started) / 1000, 0.001);
            return `chorus events: ${count(printed)} events, ${count(printed / seconds)} events/s${last ? `, at ${last}` : ''}`;
          }).start()
        : undefined;
    const print = async (event: RecordedEvent) => {
      await out.writeLine(JSON.stringify(toEnvelope(event)));
      printed += 1;
      last = event.position;
    };
    try {
      if (values.follow) {
        await follow(ctx, store, { from, filter, limit }, print, out);
        return EXIT_OK;
      }
      // A snapshot: events appended while we read are left for the next run (or --follow).
      const head = await store.headPosition();
      for await (const event of store.readAll({ fromPosition: from, filter, maxCount: limit })) {
        if (store.comparePositions(event.position, head) > 0) break;
        if (ctx.signal.aborted) break;
        await print(event);
      }
      return ctx.signal.aborted ? signalExitCode(ctx.signal) : EXIT_OK;
    } finally {
      progress?.stop(true);
      await out.end();
    }
  });
}

async function follow(
  ctx: CliContext,
  store: EventStore,
  options: { from: Position | undefined; filter: EventFilter; limit: number | undefined },
  print: (event: RecordedEvent) => Promise<void>,
  out: LineWriter,
): Promise<void> {
  const subscription = store.subscribeToAll({ fromPosition: options.from, filter: options.filter });
  const stop = () => void subscription.close();
  ctx.signal.addEventListener('abort', stop, { once: true });
  if (ctx.signal.aborted) stop();
  out.onClose(stop);
  let printed = 0;
  try {
    for await (const event of subscription) {
      await print(event);
      printed += 1;
      if (options.limit !== undefined && printed >= options.limit) break;
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    await subscription.close();
  }
}

function checkPosition(text: string): Position {
  try {
    parsePosition(text);
    return text;
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`--from: ${error.message} (pass a "position" printed by chorus events)`);
    throw error;
  }
}

function nonEmpty(flag: string, list: string[]): string[] {
  if (list.some((item) => item.length === 0)) throw new UsageError(`${flag} must not be empty`);
  return list;
}
