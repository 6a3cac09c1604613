/**
 * The relay in normal operation, against the harness's real broker and a real Postgres: every
 * event arrives exactly once, in per-stream order, as topic/key/headers/envelope; topics are
 * created with the configured partitions; lag and metrics; one active relay per name.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Position } from '../../../gateways/event-store/port.js';
import { KafkaRelay } from '../../../gateways/kafka/relay.js';
import {
  allEvents,
  appendContinuously,
  capturingLogger,
  checkDelivery,
  fixedStep,
  harnessBrokers,
  headIncluding,
  openTestStore,
  readTopics,
  stepEvents,
  storedCheckpoint,
  uniquePrefix,
  until,
  type TestStore,
} from './support.js';
import { startRelay } from '../../../app/relay.js';
import { loadConfig } from '../../../app/config.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  cleanup = [];
});

async function storeForTest(label: string): Promise<TestStore> {
  const s = await openTestStore(label);
  cleanup.push(() => s.close());
  return s;
}

describe('kafka relay, normal operation', () => {
  it('publishes every event exactly once, in per-stream order, to chorus.<category> topics', async () => {
    const brokers = harnessBrokers();
    const { store, sql } = await storeForTest('relay_once');
    const prefix = uniquePrefix('once');
    // Some history before the relay starts, more while it runs (many streams, five categories).
    for (let i = 0; i < 300; i += 1) {
      const { stream, events } = stepEvents(fixedStep(i));
      await store.append(stream, events);
    }
    const { logger } = capturingLogger();
    const relay = new KafkaRelay({ store, sql, logger }, { name: 'once', brokers: [brokers], topicPrefix: prefix, partitions: 3, maxBatchEvents: 97 });
    cleanup.push(() => relay.stop());
    const before = await relay.status();
    expect(before.lag.atHead).toBe(false);
    expect(before.lag.events).toBeGreaterThanOrEqual(300);

    relay.start();
    const steps = Array.from({ length: 50 }, (_, i) => fixedStep(1_000 + i));
    const appender = appendContinuously(store, steps, 2);
    await until('some events published', () => relay.snapshot().published > 400);
    await appender.stop();
    const head = await headIncluding(store, appender.last());
    await until('the relay at the head', async () => (await storedCheckpoint(sql, 'once')) === head);
    await relay.stop();

    const stored = await allEvents(store);
    const { topics, records } = await readTopics(brokers, prefix);
    const report = checkDelivery(stored, records, prefix);
    expect(report.duplicates).toBe(0);
    expect(records).toHaveLength(stored.length);
    expect([...topics.keys()].sort()).toEqual(['catalog', 'listens', 'misc', 'playlist', 'user'].map((c) => `${prefix}${c}`));
    for (const partitions of topics.values()) expect(partitions).toBe(3);
    expect(relay.snapshot().published).toBe(stored.length);

    const after = await relay.status();
    expect(after.lag).toMatchObject({ atHead: true, events: 0, ms: 0 });
    expect(after.storedCheckpoint).toBe(head);
  });

  it('lets one relay per name publish; another stands by and takes over where it stopped', async () => {
    const brokers = harnessBrokers();
    const { store, sql } = await storeForTest('relay_lock');
    const prefix = uniquePrefix('lock');
    const first = capturingLogger();
    const second = capturingLogger();
    const options = { name: 'shared', brokers: [brokers], topicPrefix: prefix, lockRetryMs: 100 };
    const a = new KafkaRelay({ store, sql, logger: first.logger }, options);
    const b = new KafkaRelay({ store, sql, logger: second.logger }, options);
    cleanup.push(() => a.stop(), () => b.stop());
    a.start();
    await until('a publishing', () => a.snapshot().state === 'running');
    b.start();
    await until('b standing by', () => b.snapshot().state === 'standby');

    const appender = appendContinuously(store, Array.from({ length: 40 }, (_, i) => fixedStep(i)), 2);
    await until('a published some', () => a.snapshot().published > 100);
    await a.stop();
    await until('b took over', () => b.snapshot().published > 0, 30_000);
    await appender.stop();
    const head = await headIncluding(store, appender.last());
    await until('b at the head', async () => (await storedCheckpoint(sql, 'shared')) === head);
    await b.stop();

    const stored = await allEvents(store);
    const { records } = await readTopics(brokers, prefix);
    // A clean hand-over: what a acknowledged, it checkpointed before letting go.
    expect(checkDelivery(stored, records, prefix).duplicates).toBe(0);
    expect(a.snapshot().published + b.snapshot().published).toBe(stored.length);
    expect(second.lines().filter((l) => /standing by/.test(l.msg))).toHaveLength(1);
  });

  it('startRelay: settings from the environment, lag gauges on the registry, readiness', async () => {
    const brokers = harnessBrokers();
    const { store, sql } = await storeForTest('relay_app');
    const prefix = uniquePrefix('app');
    let last: Position | undefined;
    for (let i = 0; i < 40; i += 1) {
      const { stream, events } = stepEvents(fixedStep(i));
      last = (await store.append(stream, events)).position;
    }
    const env = { KAFKA_BROKERS: brokers, CHORUS_KAFKA_TOPIC_PREFIX: prefix, CHORUS_KAFKA_PARTITIONS: '2', CHORUS_KAFKA_RELAY_NAME: 'app' };
    const registry = new Registry();
    const running = await startRelay({ config: loadConfig(env), store, sql, logger: capturingLogger().logger, registry, env });
    cleanup.push(() => running.stop());
    expect(running.settings).toMatchObject({ name: 'app', partitions: 2, replicationFactor: 1, topicPrefix: prefix });
    const head = await headIncluding(store, last);
    await until('at the head', async () => (await running.status()).storedCheckpoint === head);
    await running.readiness.check();
    await until('lag 0 in the metrics', async () => /chorus_kafka_relay_lag_events\{relay="app"\} 0\n/.test(await registry.metrics()));
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/chorus_kafka_relay_lag_seconds\{relay="app"\} 0\n/);
    expect(metrics).toMatch(/chorus_kafka_relay_kafka_available\{relay="app"\} 1\n/);
    expect(metrics).toMatch(/chorus_kafka_relay_active\{relay="app"\} 1\n/);
    expect(metrics).toMatch(/chorus_kafka_relay_events_published_total\{relay="app"\} \d+\n/);
    await running.stop();
    const { topics } = await readTopics(brokers, prefix);
    for (const partitions of topics.values()) expect(partitions).toBe(2);

    await expect(startRelay({ config: loadConfig({}), store, sql, logger: capturingLogger().logger })).rejects.toThrow(/KAFKA_BROKERS is not set/);
    await expect(startRelay({ config: loadConfig(env), store, sql, logger: capturingLogger().logger, env: { ...env, CHORUS_KAFKA_REPLICATION: '0' } })).rejects.toThrow(
      /CHORUS_KAFKA_REPLICATION must be a whole number/,
    );
  });
});
