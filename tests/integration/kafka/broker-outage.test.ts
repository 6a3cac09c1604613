/**
 * The broker goes away while events are appended, then comes back on the same address and data:
 * the relay holds the events, retries with backoff, and then publishes everything, in per-stream
 * order; it logs the outage once and the recovery once. This test stops a broker, so it starts
 * its own (tools/kafka/kafka.mjs) rather than the harness's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaRelay } from '../../../gateways/kafka/relay.js';
import { startKafka, type RunningKafka } from '../../../tools/kafka/kafka.mjs';
import {
  allEvents,
  appendContinuously,
  headIncluding,
  capturingLogger,
  checkDelivery,
  fixedStep,
  openTestStore,
  readTopics,
  sleep,
  storedCheckpoint,
  uniquePrefix,
  until,
  type TestStore,
} from './support.js';

let kafka: RunningKafka;
let test: TestStore;

beforeAll(async () => {
  [kafka, test] = await Promise.all([startKafka(), openTestStore('relay_outage')]);
});

afterAll(async () => {
  await kafka?.stop();
  await test?.close();
});

const OUTAGE = /cannot publish to Kafka/;
const RECOVERY = /Kafka accepts events again/;

describe('kafka relay, broker outage', () => {
  for (const how of ['a clean shutdown', 'SIGKILL'] as const) {
    it(`holds events while the broker is down (${how}) and publishes all of them, in order, once it is back`, async () => {
      const { store, sql } = test;
      const prefix = uniquePrefix('outage');
      const name = `outage-${how === 'SIGKILL' ? 'kill' : 'clean'}`;
      const { logger, lines } = capturingLogger();
      const relay = new KafkaRelay({ store, sql, logger }, { name, brokers: [kafka.brokers], topicPrefix: prefix, retryMaxMs: 1_000 });
      relay.start();
      const appender = appendContinuously(store, Array.from({ length: 60 }, (_, i) => fixedStep(i)), 5);
      try {
        await until('events published', () => relay.snapshot().published > 200);
        await kafka.halt({ kill: how === 'SIGKILL' });
        await until('the relay noticing', () => relay.snapshot().state === 'kafka-unavailable', 60_000);
        const heldFrom = relay.snapshot().published;
        await sleep(2_000); // appends go on while the broker is down
        expect(relay.snapshot().published).toBe(heldFrom);
        expect((await relay.status()).lag.atHead).toBe(false);
        await kafka.restart();
        await until('publishing again', () => relay.snapshot().published > heldFrom, 60_000);
        await sleep(500);
      } finally {
        await appender.stop();
      }
      const head = await headIncluding(store, appender.last());
      await until('the relay at the head', async () => (await storedCheckpoint(sql, name)) === head, 60_000);
      await relay.stop();

      // Each case's relay has a name of its own: it publishes the whole store, the earlier case's events too.
      const stored = await allEvents(store);
      const { records } = await readTopics(kafka.brokers, prefix);
      checkDelivery(stored, records, prefix);
      const messages = lines().map((l) => l.msg);
      expect(messages.filter((m) => OUTAGE.test(m)), messages.join('\n')).toHaveLength(1);
      expect(messages.filter((m) => RECOVERY.test(m)), messages.join('\n')).toHaveLength(1);
      expect(lines().find((l) => OUTAGE.test(l.msg))?.level).toBe(40); // warn
      expect(relay.snapshot().kafkaUnavailableSince).toBeNull();
    }, 240_000);
  }
});
