/**
 * `chorus recs rebuild [--user ID] [--limit N]`: builds the listening model behind
 * recommendations from the first event, in this process, as a node does when it starts — with a
 * progress bar (events read of those stored, ETA) on stderr and a summary on stdout: what the
 * model holds, its memory, how long it took, the events it could not read; with `--user`, that
 * listener's "for you" from the model just built.
 */
import { Recommender } from '../application/recommendations/recommend.js';
import type { EventStore, ReadAllOptions } from '../gateways/event-store/port.js';
import { START } from '../gateways/event-store/position.js';
import { MODEL_EVENT_TYPES, RecsModel } from '../projections/recommendations/model.js';
import { EXIT_OK, UsageError, noPositionals, parse, wholeNumber } from './args.js';
import { signalExitCode, withStorage, type CliContext } from './context.js';
import { progressBar } from './progress-bar.js';

export const RECS_HELP = `Usage: chorus recs rebuild [--user ID] [--limit N]

Builds the recommendations model (listening sessions, track and artist co-occurrence, popularity,
each listener's profile) from the first event, in this process, exactly as a Chorus node builds
its own when it starts, with a progress bar on stderr. Running servers keep their model in their
own memory and rebuild it from the events at every start: this command does not change theirs.
Use it to check that the events build a model (events it cannot read are counted and logged),
how large the model is and how long a node takes to build it, and what a listener would get.

Prints one JSON line on stdout:
  {"events":n,"modelEvents":n,"plays":n,"listeners":n,"tracks":n,"trackPairs":n,"artistPairs":n,
   "memoryBytes":n,"skipped":n,"seconds":n,"eventsPerSecond":n[,"user":ID,"recommendations":[...]]}

Options:
  --user ID     also print this listener's recommendations ("for you", now) from the model built
  --limit N     how many (default 10, at most 100)
  -h, --help    show this help

Exit codes: 0 built, 1 failure, 2 usage error, 130/143 interrupted (nothing is changed anywhere).`;

const PROGRESS_EVERY = 2_000;

export async function recsRebuildCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('recs rebuild', args, { user: { type: 'string' }, limit: { type: 'string' } });
  noPositionals('recs rebuild', positionals);
  const limit = values.limit === undefined ? 10 : wholeNumber('--limit', values.limit, 1, 100);
  if (values.limit !== undefined && values.user === undefined) throw new UsageError('recs rebuild: --limit needs --user (how many recommendations for that listener)');
  return withStorage(ctx, async (storage) => {
    const store = storage.events;
    const bar = progressBar(ctx.stderr, 'recs rebuild', 'events');
    const started = performance.now();
    const model = new RecsModel();
    let read = 0;
    let skipped = 0;
    try {
      const { total, options } = await plan(store, ctx, bar);
      if (ctx.signal.aborted) return signalExitCode(ctx.signal);
      bar.phase('reading', Math.max(total, 1));
      for await (const event of store.readAll(options)) {
        if (ctx.signal.aborted) return signalExitCode(ctx.signal);
        try {
          model.applyOne(event);
        } catch (error) {
          skipped += 1;
          ctx.logger.warn({ err: error, eventId: event.id, type: event.type }, 'recs rebuild: skipped an event it cannot read');
        }
        read += 1;
        if (read % PROGRESS_EVERY === 0) bar.update(Math.min(read, total), { note: `${model.playsApplied} plays` });
      }
      bar.update(Math.min(read, Math.max(total, 1)), { note: `${model.playsApplied} plays` });
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const memory = model.memory();
    const summary: Record<string, unknown> = {
      events: read,
      modelEvents: model.eventsApplied,
      plays: model.playsApplied,
      listeners: model.users.size,
      tracks: model.catalog.trackCount,
      trackPairs: memory.trackPairs,
      artistPairs: memory.artistPairs,
      memoryBytes: memory.totalBytes,
      skipped,
      seconds: Math.round(seconds * 1000) / 1000,
      eventsPerSecond: Math.round(read / Math.max(seconds, 1e-3)),
    };
    if (values.user !== undefined) {
      summary.user = values.user;
      summary.recommendations = new Recommender(model).recommend({ userId: values.user, limit, nowMs: Date.now() });
    }
    ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    return EXIT_OK;
  });
}

/**
 * How many events the bar counts to, and what to read: every event where the store counts them
 * cheaply (PostgreSQL: one query; the model ignores those it does not read); elsewhere only the
 * model's events, counted by a first pass.
 */
async function plan(store: EventStore, ctx: CliContext, bar: ReturnType<typeof progressBar>): Promise<{ total: number; options: ReadAllOptions }> {
  const counted = await store.countAfter(START, Number.MAX_SAFE_INTEGER);
  if (counted !== null) return { total: counted, options: {} };
  const options: ReadAllOptions = { filter: { eventTypes: MODEL_EVENT_TYPES } };
  bar.phase('counting', 1);
  let total = 0;
  for await (const _event of store.readAll(options)) {
    if (ctx.signal.aborted) break;
    total += 1;
  }
  return { total, options };
}
