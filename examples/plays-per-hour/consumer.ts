/**
 * The consumer: reads chorus.listens in a consumer group and, for every batch of records, in ONE
 * Postgres transaction records the events' ids and adds the plays whose ids were new to the
 * table. Only after that transaction committed does it commit the Kafka offsets. So:
 *
 * - a record delivered twice (the relay publishes at least once) finds its id stored: not counted again;
 * - a crash after the commit and before the offsets were committed re-reads the batch: same thing;
 * - a crash before the commit loses the transaction as a whole: the batch is read and counted again.
 */
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload } from 'kafkajs';
import pg from 'pg';
import { countByHourAndTrack, readPlay, type Play } from './plays.js';
import { ensureSchema } from './schema.js';

export interface PlaysPerHourOptions {
  brokers: readonly string[];
  databaseUrl: string;
  /** Default `chorus.listens`. */
  topic?: string;
  /** Default `plays-per-hour`: its committed offsets say how far the table is. */
  groupId?: string;
  /**
   * How long the group waits for a member that stopped answering (default kafkajs's 30,000 ms):
   * a consumer started again after a crash gets its partitions once the dead member's session
   * has expired. At least the broker's group.min.session.timeout.ms (6,000 by default).
   */
  sessionTimeoutMs?: number;
  /** Progress and warnings (default: stderr). */
  log?: (line: string) => void;
}

export interface Stats {
  batches: number;
  records: number;
  /** Plays added to the table (msPlayed >= 30 s, first delivery). */
  counted: number;
  /** TrackPlayed events delivered again and skipped. */
  duplicates: number;
  /** Records of other types, or malformed. */
  skipped: number;
}

export interface PlaysPerHour {
  readonly stats: Stats;
  /** Resolves once the committed offsets reach the ends of the partitions as they are now. */
  caughtUp(options?: { pollMs?: number; timeoutMs?: number }): Promise<void>;
  /** Finishes the batch in hand, then leaves the group. */
  stop(): Promise<void>;
  /** Resolves with the error that stopped the consumer, if one does. */
  readonly failed: Promise<Error>;
}

export async function startPlaysPerHour(options: PlaysPerHourOptions): Promise<PlaysPerHour> {
  const topic = options.topic ?? 'chorus.listens';
  const groupId = options.groupId ?? 'plays-per-hour';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2, application_name: 'plays-per-hour' });
  pool.on('error', (error) => log(`plays-per-hour: idle database connection lost: ${error.message}`));
  await ensureSchema(pool);

  const kafka = new Kafka({ clientId: 'plays-per-hour', brokers: [...options.brokers], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  // A fetch the broker holds open while there is nothing to read ends within a second (kafkajs's
  // default is 5 s), so stopping, which waits for the fetch in flight, takes about a second.
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: options.sessionTimeoutMs ?? 30_000, maxWaitTimeInMs: 1_000 });
  const stats: Stats = { batches: 0, records: 0, counted: 0, duplicates: 0, skipped: 0 };
  let fail!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) log(`plays-per-hour: ${payload.error.message}; kafkajs restarts the consumer`);
    else fail(payload.error);
  });

  await consumer.connect();
  // A new group starts at the oldest record; a known one where it committed.
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: (payload) => handleBatch(payload, { pool, consumer, stats, log }),
  });

  let stopping: Promise<void> | undefined;
  return {
    stats,
    failed,
    caughtUp: (wait) => caughtUp(admin, groupId, topic, wait),
    stop: () =>
      (stopping ??= (async () => {
        await consumer.disconnect();
        await admin.disconnect();
        await pool.end();
      })()),
  };
}

async function handleBatch(
  { batch, heartbeat, isRunning, isStale }: EachBatchPayload,
  { pool, consumer, stats, log }: { pool: pg.Pool; consumer: Consumer; stats: Stats; log: (line: string) => void },
): Promise<void> {
  if (batch.messages.length === 0 || !isRunning() || isStale()) return;
  const plays: Play[] = [];
  for (const message of batch.messages) {
    const reading = readPlay(message);
    if (reading.kind === 'play') plays.push(reading.play);
    else stats.skipped += 1;
    if (reading.kind === 'malformed') log(`plays-per-hour: skipping offset ${message.offset} of partition ${batch.partition}: ${reading.why}`);
  }

  const client = await pool.connect();
  let fresh: Play[];
  try {
    await client.query('begin');
    // The ids not seen before; within the batch, the first record of an id wins.
    const { rows } = await client.query<{ event_id: string }>(
      `insert into plays_per_hour_events (event_id, counted)
       select id, counted from unnest($1::uuid[], $2::boolean[]) as t(id, counted)
       on conflict (event_id) do nothing
       returning event_id::text`,
      [plays.map((p) => p.eventId), plays.map((p) => p.counts)],
    );
    const inserted = new Set(rows.map((row) => row.event_id));
    const taken = new Set<string>();
    fresh = plays.filter((p) => {
      const id = p.eventId.toLowerCase();
      if (!inserted.has(id) || taken.has(id)) return false;
      taken.add(id);
      return true;
    });
    const counts = [...countByHourAndTrack(fresh).values()];
    if (counts.length > 0) {
      await client.query(
        `insert into plays_per_hour (hour, track_id, plays)
         select * from unnest($1::timestamptz[], $2::text[], $3::bigint[])
         on conflict (hour, track_id) do update set plays = plays_per_hour.plays + excluded.plays`,
        [counts.map((c) => c.hour), counts.map((c) => c.trackId), counts.map((c) => c.plays)],
      );
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error; // kafkajs retries the batch; nothing of it was kept
  } finally {
    client.release();
  }

  // Only now: the offsets. A crash before this line re-reads the batch, whose ids are stored.
  const next = (BigInt(batch.lastOffset()) + 1n).toString();
  await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
  stats.batches += 1;
  stats.records += batch.messages.length;
  stats.counted += fresh.filter((p) => p.counts).length;
  stats.duplicates += plays.length - fresh.length;
  await heartbeat();
}

/** Waits until the group's committed offsets reach each partition's end as it is when called. */
async function caughtUp(admin: Admin, groupId: string, topic: string, wait: { pollMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  const deadline = Date.now() + (wait.timeoutMs ?? Number.POSITIVE_INFINITY);
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const behind = ends.filter((end) => BigInt(end.high) > BigInt(end.low) && (at.get(end.partition) ?? -1n) < BigInt(end.high));
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`plays-per-hour: not caught up with ${topic} within ${wait.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs ?? 200));
  }
}
