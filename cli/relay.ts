/**
 * `chorus relay`: the Kafka relay alone, in this process, until SIGINT/SIGTERM; or, with
 * --status, the stored checkpoint and the lag behind the store's head as one JSON line.
 */
import { measureLag } from '../gateways/kafka/lag.js';
import { readRelayCheckpoint } from '../gateways/kafka/checkpoint.js';
import { EXIT_OK, noPositionals, parse } from './args.js';
import { withStorage, type CliContext, type CliRelay, type CliStorage } from './context.js';
import { ProgressReporter, count } from './output.js';

export const RELAY_HELP = `Usage: chorus relay [options]

Publishes every event of the store to Kafka until SIGINT/SIGTERM, from where it stopped last:
topic <prefix><stream category> (chorus.user, chorus.listens, chorus.catalog, chorus.playlist, and
one per other category), key the stream name, value the JSON envelope (as "chorus events"
prints it), headers event-id and event-type. A stream's events keep their order in one partition.

At least once: the checkpoint (table kafka_relay_checkpoints, in the SQL database) moves only
after Kafka acknowledged, so after a crash the events published since the last checkpoint are
published again; consumers deduplicate by event-id. One relay per name publishes at a time
(others stand by and take over). While Kafka is down it holds the events and retries.

Options:
  --status      print the stored checkpoint and the lag behind the store's head as one JSON line,
                then exit (publishes nothing)
  --progress    report progress on stderr even when it is not a terminal
  -h, --help    show this help

Environment: KAFKA_BROKERS (required, host:port,...), CHORUS_KAFKA_PARTITIONS (partitions of the
topics it creates, default 3), CHORUS_KAFKA_REPLICATION (their replication factor, default 1),
CHORUS_KAFKA_TOPIC_PREFIX (default "chorus."), CHORUS_KAFKA_RELAY_NAME (default "default");
DATABASE_URL / ESDB_URL / CHORUS_DATA_DIR select the store as for every command. Logs (JSON
lines) go to stderr at LOG_LEVEL, which defaults to info for this command.

Exit codes: 0 stopped by SIGINT/SIGTERM (after publishing what it held), 1 failure (e.g. the
store cannot be opened), 2 usage error (including a missing or invalid setting).`;

export async function relayCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('relay', args, {
    status: { type: 'boolean', default: false },
    progress: { type: 'boolean', default: false },
  });
  noPositionals('relay', positionals);
  const relay = ctx.relay();
  if (values.status) return withStorage(ctx, (storage) => printStatus(ctx, storage, relay));
  // State changes are worth seeing by default when the relay runs on its own.
  const logger = ctx.logger.child({}, { level: ctx.settings.logLevel });
  return withStorage(ctx, async (storage) => {
    const running = await relay.start(storage, logger);
    const started = Date.now();
    const progress =
      ctx.stderr.isTTY || values.progress
        ? new ProgressReporter(ctx.stderr, () => {
            const s = running.snapshot();
            const seconds = Math.max((Date.now() - started) / 1000, 0.001);
            return `chorus relay ${s.name}: ${s.state}, ${count(s.published)} events published (${count(s.published / seconds)}/s), checkpoint ${s.checkpoint ?? 'none'}`;
          }).start()
        : undefined;
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await running.stop();
      progress?.stop(true);
    }
    return EXIT_OK;
  });
}

async function printStatus(ctx: CliContext, storage: CliStorage, relay: CliRelay): Promise<number> {
  const stored = await readRelayCheckpoint(storage.sql, relay.name).catch(() => undefined);
  const checkpoint = stored?.position ?? null;
  const lag = await measureLag(storage.events, checkpoint);
  ctx.stdout.write(
    `${JSON.stringify({
      name: relay.name,
      checkpoint,
      eventsPublished: stored?.eventsPublished ?? 0,
      updatedAt: stored?.updatedAt ?? null,
      lag,
    })}\n`,
  );
  return EXIT_OK;
}
