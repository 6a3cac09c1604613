/**
 * `chorus kafka tail` and `chorus relay` as real processes: tail prints what the relay published,
 * wrapped or as bare envelopes; `relay --status` reports the checkpoint and the lag; mistakes in
 * how they are called exit with code 2 and one line on stderr, before anything is opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEnvelope } from '../../../gateways/event-store/envelope.js';
import type { Position, RecordedEvent } from '../../../gateways/event-store/port.js';
import { KafkaRelay } from '../../../gateways/kafka/relay.js';
import {
  BIN,
  allEvents,
  capturingLogger,
  fixedStep,
  harnessBrokers,
  headIncluding,
  openTestStore,
  spawnChild,
  stepEvents,
  storedCheckpoint,
  uniquePrefix,
  until,
  type TestStore,
} from './support.js';

let test: TestStore;
let prefix: string;
let stored: RecordedEvent[];

beforeAll(async () => {
  test = await openTestStore('kafka_cli');
  prefix = uniquePrefix('cli');
  let last: Position | undefined;
  for (let i = 0; i < 60; i += 1) {
    const { stream, events } = stepEvents(fixedStep(i));
    last = (await test.store.append(stream, events)).position;
  }
  const relay = new KafkaRelay({ store: test.store, sql: test.sql, logger: capturingLogger().logger }, { name: 'cli', brokers: [harnessBrokers()], topicPrefix: prefix });
  relay.start();
  const head = await headIncluding(test.store, last);
  await until('the relay at the head', async () => (await storedCheckpoint(test.sql, 'cli')) === head);
  await relay.stop();
  stored = await allEvents(test.store);
});

afterAll(async () => {
  await test?.close();
});

async function chorus(args: string[], env: Record<string, string> = {}) {
  const child = spawnChild([BIN, ...args], { LOG_LEVEL: 'warn', DATABASE_URL: test.db.url, KAFKA_BROKERS: harnessBrokers(), ...env });
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr(), lines: child.stdout().split('\n').filter(Boolean) };
}

describe('chorus kafka tail', () => {
  it('prints the published records, each wrapped with its key and headers', async () => {
    const listens = stored.filter((event) => event.stream.startsWith('listens-'));
    const { code, lines, stderr } = await chorus(['kafka', 'tail', '--topic', `${prefix}listens`, '--from-beginning', '--limit', String(listens.length)]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const records = lines.map((line) => JSON.parse(line) as { topic: string; partition: number; offset: string; timestamp: string; key: string; headers: Record<string, string>; value: unknown });
    expect(records).toHaveLength(listens.length);
    const byId = new Map(listens.map((event) => [event.id, event]));
    for (const record of records) {
      const event = byId.get(record.headers['event-id']!);
      expect(event).toBeDefined();
      expect(record).toMatchObject({ topic: `${prefix}listens`, key: event!.stream, headers: { 'event-id': event!.id, 'event-type': 'TrackPlayed' } });
      expect(record.value).toEqual(toEnvelope(event!));
      expect(record.offset).toMatch(/^\d+$/);
      expect(record.timestamp).toMatch(/^\d+$/);
    }
    expect(new Set(records.map((r) => r.headers['event-id'])).size).toBe(listens.length);
  });

  it('prints bare envelopes with --value-only', async () => {
    const users = stored.filter((event) => event.stream.startsWith('user-'));
    const { code, lines } = await chorus(['kafka', 'tail', '--topic', `${prefix}user`, '--from-beginning', '--limit', String(users.length), '--value-only']);
    expect(code).toBe(0);
    const sorted = (values: unknown[]) => [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted(lines.map((line) => JSON.parse(line) as unknown))).toEqual(sorted(users.map(toEnvelope)));
  });

  it('fails with exit code 1 on a topic that does not exist', async () => {
    const { code, stdout, stderr } = await chorus(['kafka', 'tail', '--topic', `${prefix}nothing`, '--from-beginning']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(new RegExp(`^chorus: kafka tail: no topic "${prefix.replaceAll('.', '\\.')}nothing" on `));
  });
});

describe('chorus relay', () => {
  it('--status prints the checkpoint and the lag as one JSON line', async () => {
    const { code, lines } = await chorus(['relay', '--status'], { CHORUS_KAFKA_RELAY_NAME: 'cli' });
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const status = JSON.parse(lines[0]!) as { name: string; checkpoint: string; eventsPublished: number; lag: { atHead: boolean; events: number } };
    expect(status).toMatchObject({ name: 'cli', checkpoint: stored[stored.length - 1]!.position, eventsPublished: stored.length, lag: { atHead: true, events: 0 } });

    const never = JSON.parse((await chorus(['relay', '--status'], { CHORUS_KAFKA_RELAY_NAME: 'never-ran' })).lines[0]!) as typeof status;
    expect(never).toMatchObject({ name: 'never-ran', checkpoint: null, lag: { atHead: false, events: stored.length } });
  });
});

describe('usage of the Kafka commands', () => {
  it('prints help on stdout with exit code 0', async () => {
    for (const [args, pattern] of [
      [['kafka', 'tail', '--help'], /^Usage: chorus kafka tail --topic T/],
      [['kafka', '--help'], /^Usage: chorus kafka tail --topic T/],
      [['relay', '-h'], /^Usage: chorus relay \[options\]/],
    ] as const) {
      const { code, stdout, stderr } = await chorus([...args]);
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(stdout).toMatch(pattern);
    }
  });

  it('reports bad flags and settings in one line on stderr with exit code 2', { timeout: 180_000 }, async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['kafka'], {}, /^chorus: kafka: which one\?/],
      [['kafka', 'follow'], {}, /^chorus: unknown command "kafka follow"/],
      [['kafka', 'tail'], {}, /^chorus: kafka tail: --topic is required/],
      [['kafka', 'tail', '--topic'], {}, /^chorus: kafka tail: Option '--topic <value>' argument missing/],
      [['kafka', 'tail', '--topic', 'a topic'], {}, /^chorus: --topic must be a Kafka topic name/],
      [['kafka', 'tail', '--topic', 'chorus.listens', '--limit', '0'], {}, /^chorus: --limit must be a whole number between 1 and/],
      [['kafka', 'tail', '--topic', 'chorus.listens', '--from-start'], {}, /^chorus: kafka tail: Unknown option '--from-start'/],
      [['kafka', 'tail', '--topic', 'chorus.listens', 'now'], {}, /^chorus: kafka tail: unexpected argument "now"/],
      [['kafka', 'tail', '--topic', 'chorus.listens'], { KAFKA_BROKERS: '' }, /^chorus: kafka tail: KAFKA_BROKERS is not set/],
      [['relay', '--nope'], {}, /^chorus: relay: Unknown option '--nope'/],
      [['relay', 'now'], {}, /^chorus: relay: unexpected argument "now"/],
      [['relay'], { KAFKA_BROKERS: '' }, /^chorus: relay: KAFKA_BROKERS is not set/],
      [['relay'], { CHORUS_KAFKA_PARTITIONS: 'three' }, /^chorus: relay: CHORUS_KAFKA_PARTITIONS must be a whole number between 1 and 10000, got "three"/],
      [['relay'], { CHORUS_KAFKA_REPLICATION: '0' }, /^chorus: relay: CHORUS_KAFKA_REPLICATION must be a whole number/],
      [['relay'], { CHORUS_KAFKA_TOPIC_PREFIX: 'chorus/' }, /^chorus: relay: CHORUS_KAFKA_TOPIC_PREFIX may hold only/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => chorus(args, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...env })));
    for (const [i, result] of results.entries()) {
      const [args, , pattern] = cases[i]!;
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toMatch(pattern);
    }
  });
});
