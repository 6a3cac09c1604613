/**
 * The example consumer (examples/plays-per-hour) against records delivered more than once, as the
 * relay may deliver them: the table counts each play once, also when the consumer itself is
 * killed with SIGKILL at points fast-check chooses and started again.
 */
import '../../support/fast-check-setup.js';
import fc from 'fast-check';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPlaysPerHour } from '../../../examples/plays-per-hour/consumer.js';
import { readTable } from '../../../examples/plays-per-hour/schema.js';
import type { RecordedEvent } from '../../../gateways/event-store/port.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { writeEventMessage } from '../../../gateways/kafka/message.js';
import { createTestDatabase } from '../../support/postgres.js';
import { propertyParameters } from '../../support/property.js';
import { PLAYS_MAIN, expectedPlaysPerHour, harnessBrokers, sleep, spawnChild, uniquePrefix } from './support.js';

const BASE_MS = Date.UTC(2026, 10, 25, 6, 0, 0);

interface PlaySpec {
  user: number;
  track: number;
  msPlayed: number;
  minute: number;
  /** Also publish this record again, this many records later (the relay's replay after a crash). */
  again: number | null;
}

const playSpec: fc.Arbitrary<PlaySpec> = fc.record({
  user: fc.integer({ min: 0, max: 4 }),
  track: fc.integer({ min: 0, max: 6 }),
  msPlayed: fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(29_999, 30_000)),
  minute: fc.integer({ min: 0, max: 4 * 60 }),
  again: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 3 }),
});

const revisions = new Map<string, number>();

function playEvent(spec: PlaySpec): RecordedEvent {
  const stream = `listens-u${spec.user}`;
  const revision = revisions.get(stream) ?? 0;
  revisions.set(stream, revision + 1);
  return {
    id: uuidv7(),
    type: 'TrackPlayed',
    stream,
    revision: BigInt(revision),
    position: `1:${revision}`,
    occurredAt: new Date(BASE_MS).toISOString(),
    data: { userId: `u${spec.user}`, trackId: `track-${spec.track}`, playedAt: new Date(BASE_MS + spec.minute * 60_000 + 17).toISOString(), msPlayed: spec.msPlayed },
    metadata: {},
  };
}

/** The records to publish: each play, some again later, and records the consumer must skip. */
function recordsFor(specs: readonly PlaySpec[]): { events: RecordedEvent[]; messages: Message[]; redelivered: number } {
  const events = specs.map(playEvent);
  const slots: Array<Message[]> = events.map(() => []);
  let redelivered = 0;
  events.forEach((event, i) => {
    slots[i]!.push(writeEventMessage(event).message);
    const again = specs[i]!.again;
    if (again !== null) {
      slots[Math.min(i + again, slots.length - 1)]!.push(writeEventMessage(event).message);
      redelivered += 1;
    }
  });
  const messages = slots.flat();
  const other = writeEventMessage({ ...events[0]!, id: uuidv7(), type: 'TrackSkipped' }).message;
  messages.splice(Math.floor(messages.length / 2), 0, other, { key: 'listens-u0', value: 'not json', headers: { 'event-type': 'TrackPlayed' } });
  return { events, messages, redelivered };
}

async function withTopic<T>(brokers: string, topic: string, work: (publish: (messages: Message[]) => Promise<void>) => Promise<T>): Promise<T> {
  const kafka = new Kafka({ clientId: 'plays-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await work(async (messages) => void (await producer.send({ topic, messages, acks: -1 })));
  } finally {
    await producer.disconnect();
  }
}

async function tableOf(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    return await readTable(pool);
  } finally {
    await pool.end();
  }
}

describe('example consumer: plays per hour', () => {
  it('counts every play once however often it is delivered', async () => {
    const brokers = harnessBrokers();
    await fc.assert(
      fc.asyncProperty(fc.array(playSpec, { minLength: 1, maxLength: 150 }), async (specs) => {
        const db = await createTestDatabase('plays');
        const topic = `${uniquePrefix('plays')}listens`;
        try {
          const { events, messages, redelivered } = recordsFor(specs);
          await withTopic(brokers, topic, (publish) => publish(messages));
          const consumer = await startPlaysPerHour({ brokers: [brokers], databaseUrl: db.url, topic, groupId: `g-${topic}`, log: () => undefined });
          try {
            // A consumer that stops with an error fails the run at once, with that error.
            const crashed = consumer.failed.then((error) => Promise.reject(error));
            crashed.catch(() => undefined); // a failure after the race is not an unhandled rejection
            await Promise.race([consumer.caughtUp({ timeoutMs: 60_000 }), crashed]);
          } finally {
            await consumer.stop();
          }
          expect(await tableOf(db.url)).toEqual(expectedPlaysPerHour(events));
          expect(consumer.stats).toMatchObject({ records: messages.length, duplicates: redelivered, skipped: 2 });
          expect(consumer.stats.counted).toBe(events.filter((e) => (e.data.msPlayed as number) >= 30_000).length);
        } finally {
          await db.drop();
        }
      }),
      propertyParameters(3),
    );
  }, 300_000); // three runs, each allowed 60 s to catch up

  it('keeps the table exact when the consumer process is killed with SIGKILL and started again', async () => {
    const brokers = harnessBrokers();
    await fc.assert(
      fc.asyncProperty(
        fc.array(playSpec, { minLength: 400, maxLength: 800 }),
        fc.array(fc.integer({ min: 200, max: 4_000 }), { minLength: 1, maxLength: 3 }),
        async (specs, kills) => {
          const db = await createTestDatabase('plays_kill');
          const topic = `${uniquePrefix('playskill')}listens`;
          const group = `g-${topic}`;
          const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers };
          // A short session: a consumer started after a kill gets the partitions of the dead one sooner.
          const args = ['--import', 'tsx', PLAYS_MAIN, '--topic', topic, '--group', group, '--session-timeout-ms', '6000'];
          try {
            const { events, messages } = recordsFor(specs);
            await withTopic(brokers, topic, async (publish) => {
              // Records keep coming while the consumer is killed and started again.
              let sent = 0;
              const feeding = (async () => {
                while (sent < messages.length) {
                  await publish(messages.slice(sent, sent + 40));
                  sent += 40;
                  await sleep(15);
                }
              })();
              for (const delay of kills) {
                const child = spawnChild(args, env);
                await sleep(delay);
                await child.kill('SIGKILL');
              }
              await feeding;
            });
            const last = spawnChild([...args, '--until-caught-up'], env);
            expect(await last.exited, last.output()).toBe(0);
            expect(await tableOf(db.url)).toEqual(expectedPlaysPerHour(events));

            const show = spawnChild(['--import', 'tsx', PLAYS_MAIN, 'show'], env);
            expect(await show.exited).toBe(0);
            const shown = show.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
            expect(shown).toEqual(expectedPlaysPerHour(events));
          } finally {
            await db.drop();
          }
        },
      ),
      propertyParameters(3),
    );
  }, 600_000);
});

