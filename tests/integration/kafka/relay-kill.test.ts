/**
 * `chorus relay` as a real process, killed with SIGKILL at points fast-check chooses while events
 * are appended, and started again each time: in the end nothing is missing, each stream's events
 * arrive in order, an event arrives more than once only if it lay beyond the stored checkpoint at
 * a kill (published but not yet checkpointed), and the example consumer's table is exact.
 */
import '../../support/fast-check-setup.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../../examples/plays-per-hour/schema.js';
import { startPlaysPerHour } from '../../../examples/plays-per-hour/consumer.js';
import type { Position } from '../../../gateways/event-store/port.js';
import { propertyParameters } from '../../support/property.js';
import {
  after,
  allEvents,
  appendContinuously,
  headIncluding,
  appendStep,
  checkDelivery,
  expectedPlaysPerHour,
  harnessBrokers,
  openTestStore,
  readTopics,
  sleep,
  spawnRelay,
  storedCheckpoint,
  uniquePrefix,
  until,
} from './support.js';
import pg from 'pg';

describe('kafka relay killed with SIGKILL (chorus relay as a child process)', () => {
  it('loses nothing, keeps per-stream order, duplicates only what was not checkpointed, and the plays table stays exact', async () => {
    const brokers = harnessBrokers();
    await fc.assert(
      fc.asyncProperty(
        fc.array(appendStep, { minLength: 20, maxLength: 60 }),
        // Milliseconds after the relay said it publishes; one kill per entry.
        fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 1, maxLength: 3 }),
        async (steps, kills) => {
          const test = await openTestStore('relay_kill');
          const prefix = uniquePrefix('kill');
          const env = { DATABASE_URL: test.db.url, KAFKA_BROKERS: brokers, CHORUS_KAFKA_TOPIC_PREFIX: prefix };
          const appender = appendContinuously(test.store, steps, 3);
          let appending = true;
          const children: Array<ReturnType<typeof spawnRelay>> = [];
          try {
            const checkpointsAtKills: Array<Position | null> = [];
            for (const delay of kills) {
              const relay = spawnRelay(env);
              children.push(relay);
              try {
                await relay.waitFor(/kafka relay: publishing/);
                await sleep(delay);
              } finally {
                await relay.kill('SIGKILL');
              }
              checkpointsAtKills.push(await storedCheckpoint(test.sql, 'default'));
            }
            await appender.stop();
            appending = false;

            const last = spawnRelay(env);
            children.push(last);
            const head = await headIncluding(test.store, appender.last());
            await until('the last relay at the head', async () => (await storedCheckpoint(test.sql, 'default')) === head, 120_000);
            expect(await last.kill('SIGTERM')).toBe(0);

            const stored = await allEvents(test.store);
            const { records } = await readTopics(brokers, prefix);
            const { copies } = checkDelivery(stored, records, prefix);
            for (const event of stored) {
              const allowed = 1 + checkpointsAtKills.filter((checkpoint) => after(event.position, checkpoint)).length;
              expect(copies.get(event.id), `copies of ${event.stream}@${event.revision}`).toBeLessThanOrEqual(allowed);
            }

            // The example consumer, reading the topic with its duplicates, counts every play once.
            const consumer = await startPlaysPerHour({ brokers: [brokers], databaseUrl: test.db.url, topic: `${prefix}listens`, groupId: `plays-${prefix}`, log: () => undefined });
            try {
              await consumer.caughtUp({ timeoutMs: 60_000 });
            } finally {
              await consumer.stop();
            }
            const pool = new pg.Pool({ connectionString: test.db.url, max: 1 });
            try {
              expect(await readTable(pool)).toEqual(expectedPlaysPerHour(stored));
            } finally {
              await pool.end();
            }
          } finally {
            for (const child of children) await child.kill('SIGKILL');
            if (appending) await appender.stop();
            await test.close();
          }
        },
      ),
      propertyParameters(3),
    );
  }, 900_000);
});
