/**
 * The peer: Emmett's PostgreSQL event store (@event-driven-io/emmett-postgresql), through its
 * public API only.
 *
 * Pool: `getPostgreSQLEventStore(url)` alone goes through dumbo's `getPool`, i.e. one shared
 * `new pg.Pool({ connectionString })` per connection string, which pg sizes at max 10. We hand it
 * a pg.Pool of the same size as ours instead (`connectionOptions.pool`).
 *
 * Reading all: Emmett's EventStore has no readAll; its consumers page through
 * `readMessagesBatch` (global order, limited by pg_snapshot_xmin), which we call directly with
 * our page size. Subscribing: Emmett polls; we use its message batch puller (what its consumers
 * run, without a processor's per-message checkpoint writes) with its default batch size and
 * polling frequency. It starts from the head, read with our own query: Emmett's
 * `readLastMessageGlobalPosition` (which `startFrom: 'END'` uses too) orders ascending and returns
 * the FIRST position, so it would start from the beginning of the store.
 */
import { dumbo } from '@event-driven-io/dumbo';
import {
  DefaultPostgreSQLEventStoreProcessorBatchSize,
  DefaultPostgreSQLEventStoreProcessorPullingFrequencyInMs,
  defaultTag,
  getPostgreSQLEventStore,
  messagesTable,
  postgreSQLEventStoreMessageBatchPuller,
  readMessagesBatch,
} from '@event-driven-io/emmett-postgresql';
import type { Event } from '@event-driven-io/emmett';
import pg from 'pg';
import { EVENT_TYPE, PAGE_SIZE, type TrackPlayed } from '../workload.js';
import type { OpenOptions, StoreTarget } from './target.js';

type TrackPlayedEvent = Event<typeof EVENT_TYPE, TrackPlayed>;

export const PEER_POLLING = {
  batchSize: DefaultPostgreSQLEventStoreProcessorBatchSize,
  pullingFrequencyInMs: DefaultPostgreSQLEventStoreProcessorPullingFrequencyInMs,
};

export async function openEmmett({ url, poolSize }: OpenOptions): Promise<StoreTarget> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'chorus-bench-emmett' });
  // An idle connection that the server ends (e.g. the database being dropped) must not crash us.
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  const executor = dumbo({ connectionString: url, pool }).execute;
  await store.schema.migrate();
  const toEvent = (data: TrackPlayed): TrackPlayedEvent => ({ type: EVENT_TYPE, data });

  return {
    async appendOne(stream, event) {
      await store.appendToStream(stream, [toEvent(event)]);
    },
    async appendBatch(stream, events) {
      await store.appendToStream(stream, events.map(toEvent));
    },
    async readAll() {
      let count = 0;
      let after = 0n;
      for (;;) {
        const batch = await readMessagesBatch(executor, { after, batchSize: PAGE_SIZE });
        count += batch.messages.length;
        after = batch.currentGlobalPosition;
        if (!batch.areMessagesLeft) return count;
      }
    },
    async subscribe(onEvent) {
      const head = await pool.query<{ head: string }>(
        `select coalesce(max(global_position), 0)::text as head from ${messagesTable.name} where partition = $1`,
        [defaultTag],
      );
      const abort = new AbortController();
      const puller = postgreSQLEventStoreMessageBatchPuller<TrackPlayedEvent>({
        executor,
        ...PEER_POLLING,
        signal: abort.signal,
        eachBatch: (messages) => {
          for (const message of messages) onEvent(message.data);
        },
      });
      const running = puller.start({ startFrom: { lastCheckpoint: BigInt(head.rows[0]!.head) } });
      return {
        async stop() {
          abort.abort();
          await puller.stop();
          await running;
        },
      };
    },
    async close() {
      await store.close();
      await pool.end();
    },
  };
}
