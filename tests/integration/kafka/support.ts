/**
 * Shared by the Kafka relay tests: a store on a fresh database, workloads of appends over several
 * categories, reading topics back to their ends, the relay as a child process (`chorus relay`),
 * and the checks every test makes (each event delivered, in per-stream order, how often).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { toEnvelope, type EventEnvelope } from '../../../gateways/event-store/envelope.js';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import type { NewEvent, Position, RecordedEvent } from '../../../gateways/event-store/port.js';
import { comparePositions } from '../../../gateways/event-store/position.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { readRelayCheckpoint } from '../../../gateways/kafka/checkpoint.js';
import { readEventMessage } from '../../../gateways/kafka/message.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import type { SqlClient } from '../../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

export const BIN = fileURLToPath(new URL('../../../bin/chorus.mjs', import.meta.url));
export const PLAYS_MAIN = fileURLToPath(new URL('../../../examples/plays-per-hour/main.ts', import.meta.url));

export function harnessBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the integration project starts Kafka in its global setup');
  return brokers;
}

/** A topic prefix of its own per test, so tests share the harness's broker without meeting. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}.`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface TestStore {
  db: TestDatabase;
  sql: SqlClient;
  store: PostgresEventStore;
  close(): Promise<void>;
}

export async function openTestStore(label: string): Promise<TestStore> {
  const db = await createTestDatabase(label);
  const sql = createPgClient({ connectionString: db.url, applicationName: `test-${label}` });
  const store = await PostgresEventStore.open(sql);
  return {
    db,
    sql,
    store,
    async close() {
      await store.close();
      await sql.close();
      await db.drop();
    },
  };
}

/** A logger whose lines the test can read. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: () => Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) lines.push(JSON.parse(line) as { level: number; msg: string });
      }
      callback();
    },
  });
  return { logger: pino({ level }, sink), lines: () => [...lines] };
}

// ---------------------------------------------------------------------------------------------
// Workloads

export const CATEGORIES = ['listens', 'user', 'playlist', 'catalog', 'misc'] as const;
export type Category = (typeof CATEGORIES)[number];

/** One append: a batch of events to one stream. Plays carry what the example consumer counts. */
export interface AppendStep {
  category: Category;
  stream: number;
  plays: Array<{ track: number; msPlayed: number; hour: number }>;
}

/** Plays are at whole hours after this instant plus a few minutes, so that they land in `hour`. */
const BASE_MS = Date.UTC(2026, 10, 25, 8, 0, 0);

export const appendStep: fc.Arbitrary<AppendStep> = fc.record({
  category: fc.constantFrom(...CATEGORIES),
  stream: fc.integer({ min: 0, max: 11 }),
  plays: fc.array(
    fc.record({
      track: fc.integer({ min: 0, max: 5 }),
      // Around the 30 s threshold often, so both sides of it are exercised.
      msPlayed: fc.oneof(fc.integer({ min: 0, max: 240_000 }), fc.integer({ min: 29_990, max: 30_010 })),
      hour: fc.integer({ min: 0, max: 4 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

/** The same kind of steps without fast-check: step i of a fixed, varied sequence. */
export function fixedStep(i: number): AppendStep {
  const category = CATEGORIES[i % CATEGORIES.length]!;
  return {
    category,
    stream: (i * 7) % 13,
    plays: Array.from({ length: 1 + (i % 3) }, (_, j) => ({ track: (i + j) % 6, msPlayed: ((i * 7_919 + j * 104_729) % 60_000) + 1, hour: (i + j) % 5 })),
  };
}

export function stepEvents(step: AppendStep): { stream: string; events: NewEvent[] } {
  const stream = `${step.category}-s${step.stream}`;
  const events = step.plays.map((play, k): NewEvent => {
    if (step.category === 'listens') {
      return {
        id: uuidv7(),
        type: 'TrackPlayed',
        data: {
          userId: `s${step.stream}`,
          trackId: `track-${play.track}`,
          playedAt: new Date(BASE_MS + play.hour * 3_600_000 + (k + 1) * 60_000).toISOString(),
          msPlayed: play.msPlayed,
        },
      };
    }
    return { id: uuidv7(), type: `${step.category[0]!.toUpperCase()}${step.category.slice(1)}Changed`, data: { n: play.track, ms: play.msPlayed } };
  });
  return { stream, events };
}

/** Appends steps one after another (cycling through them) until stopped; resolves with the count appended. */
export function appendContinuously(
  store: PostgresEventStore,
  steps: readonly AppendStep[],
  pauseMs = 5,
): { stop(): Promise<number>; last(): Position | undefined } {
  let stopped = false;
  let appended = 0;
  let last: Position | undefined;
  const loop = (async () => {
    for (let i = 0; !stopped; i += 1) {
      const { stream, events } = stepEvents(steps[i % steps.length]!);
      const result = await store.append(stream, events);
      if (last === undefined || comparePositions(result.position, last) > 0) last = result.position;
      appended += events.length;
      if (pauseMs > 0) await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return appended;
    },
    last: () => last,
  };
}

/**
 * The store's head once it includes `last` (an acknowledged append's position): a transaction
 * running anywhere on the server (other tests share it) holds readers, and so the head, back
 * until it ends.
 */
export async function headIncluding(store: PostgresEventStore, last: Position | undefined): Promise<Position> {
  if (last !== undefined) await until('the last append visible', async () => comparePositions(await store.headPosition(), last) >= 0);
  return store.headPosition();
}

export async function allEvents(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

// ---------------------------------------------------------------------------------------------
// Reading topics back

export interface Received {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  eventId: string | null;
  eventType: string | null;
  envelope: EventEnvelope | undefined;
}

async function retrying<T>(op: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await op();
    } catch (error) {
      if (attempt >= attempts || !(error instanceof Error && 'retriable' in error && error.retriable === true)) throw error;
      await sleep(250);
    }
  }
}

/** Every record of the topics named `<prefix>*`, up to the partitions' ends as they are now, in offset order per partition. */
export async function readTopics(brokers: string, prefix: string, timeoutMs = 60_000): Promise<{ topics: Map<string, number>; records: Received[] }> {
  const kafka = new Kafka({ clientId: 'chorus-test-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = new Map<string, number>();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of (await admin.listTopics()).filter((t) => t.startsWith(prefix))) {
      // A topic created moments ago may not have its partition leaders yet (retriable errors).
      const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
      topics.set(topic, offsets.length);
      for (const o of offsets) if (BigInt(o.high) > BigInt(o.low)) ends.set(`${topic}/${o.partition}`, BigInt(o.high) - 1n);
    }
  } finally {
    await admin.disconnect();
  }
  const records: Received[] = [];
  if (ends.size === 0) return { topics, records };
  const consumer = kafka.consumer({ groupId: `chorus-test-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const remaining = new Set(ends.keys());
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics.keys()], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const offset = BigInt(message.offset);
        const end = ends.get(`${topic}/${partition}`);
        if (end === undefined || offset > end) return;
        const read = readEventMessage(message);
        records.push({ topic, partition, offset, key: read.key, eventId: read.eventId, eventType: read.eventType, envelope: read.envelope });
        if (offset === end) {
          remaining.delete(`${topic}/${partition}`);
          if (remaining.size === 0) done();
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${prefix}*: ${[...remaining].join(', ')} not read to the end`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return { topics, records };
}

// ---------------------------------------------------------------------------------------------
// Checks

export interface DeliveryReport {
  /** How many times each event id was received. */
  copies: Map<string, number>;
  duplicates: number;
}

/**
 * Every stored event was received (at least once), as the relay writes it — topic `<prefix><category>`,
 * key the stream, headers, value the envelope — every stream in one partition, and in each
 * partition a stream's events first arrive in revision order (a replay may repeat a tail).
 */
export function checkDelivery(stored: readonly RecordedEvent[], received: readonly Received[], prefix: string): DeliveryReport {
  const byId = new Map(stored.map((event) => [event.id, event]));
  const copies = new Map<string, number>();
  const partitionOf = new Map<string, string>();
  const nextRevision = new Map<string, number>();
  const ordered = [...received].sort((a, b) => (a.topic + a.partition).localeCompare(b.topic + b.partition) || (a.offset < b.offset ? -1 : 1));
  for (const record of ordered) {
    const event = record.eventId === null ? undefined : byId.get(record.eventId);
    expect(event, `record ${record.topic}/${record.partition}@${record.offset} is no stored event (${record.eventId})`).toBeDefined();
    if (!event) continue;
    expect(record.topic).toBe(`${prefix}${event.stream.slice(0, event.stream.indexOf('-'))}`);
    expect(record.key).toBe(event.stream);
    expect(record.eventType).toBe(event.type);
    expect(record.envelope).toEqual(toEnvelope(event));
    const where = `${record.topic}/${record.partition}`;
    expect(partitionOf.get(event.stream) ?? where, `stream ${event.stream} spread over partitions`).toBe(where);
    partitionOf.set(event.stream, where);
    const expected = nextRevision.get(event.stream) ?? 0;
    const revision = Number(event.revision);
    if (revision === expected) nextRevision.set(event.stream, expected + 1);
    else expect(revision, `stream ${event.stream}: revision ${revision} before ${expected}`).toBeLessThan(expected); // a repeat
    copies.set(event.id, (copies.get(event.id) ?? 0) + 1);
  }
  const missing = stored.filter((event) => !copies.has(event.id)).map((e) => `${e.stream}@${e.revision}`);
  expect(missing, 'events never received').toEqual([]);
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  return { copies, duplicates };
}

/** The table the example consumer must build: counted plays by UTC hour and track. */
export function expectedPlaysPerHour(stored: readonly RecordedEvent[]): Array<{ hour: string; trackId: string; plays: number }> {
  const counts = new Map<string, number>();
  for (const event of stored) {
    if (event.type !== 'TrackPlayed' || (event.data.msPlayed as number) < 30_000) continue;
    const hour = new Date(Math.floor(Date.parse(event.data.playedAt as string) / 3_600_000) * 3_600_000).toISOString();
    const key = `${hour}|${event.data.trackId as string}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .map(([key, plays]) => ({ hour: key.split('|')[0]!, trackId: key.split('|')[1]!, plays }))
    .sort((a, b) => a.hour.localeCompare(b.hour) || a.trackId.localeCompare(b.trackId));
}

export async function storedCheckpoint(sql: SqlClient, name: string): Promise<Position | null> {
  return (await readRelayCheckpoint(sql, name).catch(() => undefined))?.position ?? null;
}

export const after = (position: Position, checkpoint: Position | null) => checkpoint === null || comparePositions(position, checkpoint) > 0;

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Child {
  child: ChildProcess;
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function spawnChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ESDB_URL: '', REDIS_URL: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  // 'close', not 'exit': by then everything the child wrote has been read.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, timeoutMs = 60_000) {
      await until(`${pattern} in the output of ${args.join(' ')}`, () => {
        if (pattern.test(output)) return true;
        if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode} before printing ${pattern}:\n${output}`);
        return false;
      }, timeoutMs, 20);
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `chorus relay` as a real process. */
export function spawnRelay(env: { DATABASE_URL: string; KAFKA_BROKERS: string; CHORUS_KAFKA_TOPIC_PREFIX: string; CHORUS_KAFKA_RELAY_NAME?: string }): Child {
  return spawnChild([BIN, 'relay'], { ...env });
}
