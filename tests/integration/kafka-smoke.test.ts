// Smoke test of the real Kafka broker that the test harness starts (tools/kafka/kafka.mjs):
// a keyed message with headers goes through kafkajs producer -> broker -> consumer group.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const TIMEOUT_MS = 60_000;

function brokersFromHarness(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set: Kafka was not started by the test harness. The global setup must call ' +
        'startKafka() from tools/kafka/kafka.mjs (or run `node tools/kafka/kafka.mjs start` and export the ' +
        'KAFKA_BROKERS=... line it prints).',
    );
  }
  return brokers.split(',');
}

function headerText(message: KafkaMessage, name: string): string {
  const value = message.headers?.[name];
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new Error(`header ${name} is missing or not a single value: ${String(value)}`);
}

describe('kafka smoke (real broker)', () => {
  it(
    'round-trips a keyed message with headers through a consumer group',
    async () => {
      const kafka = new Kafka({ clientId: 'chorus-kafka-smoke', brokers: brokersFromHarness(), logLevel: logLevel.WARN });
      const runId = randomUUID();
      const topic = `chorus.smoke.${runId}`;
      const admin = kafka.admin();
      let producer: Producer | undefined;
      let consumer: Consumer | undefined;
      try {
        await admin.connect();
        expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);

        producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
        await producer.connect();
        const [sent] = await producer.send({
          topic,
          messages: [
            {
              key: `playlist-${runId}`,
              value: JSON.stringify({ type: 'PlaylistCreated', runId }),
              headers: { 'event-type': 'PlaylistCreated', 'correlation-id': runId },
            },
          ],
        });
        expect(sent?.errorCode).toBe(0);

        consumer = kafka.consumer({ groupId: `chorus-smoke-${runId}` });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = await new Promise<{ partition: number; message: KafkaMessage }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no message on ${topic} within 30 s`)), 30_000);
          consumer!
            .run({
              eachMessage: async ({ partition, message }) => {
                clearTimeout(timer);
                resolve({ partition, message });
              },
            })
            .catch((err: unknown) => {
              clearTimeout(timer);
              reject(err);
            });
        });

        expect(received.partition).toBe(0);
        expect(received.message.offset).toBe(sent?.baseOffset);
        expect(received.message.key?.toString('utf8')).toBe(`playlist-${runId}`);
        expect(JSON.parse(received.message.value?.toString('utf8') ?? 'null')).toEqual({ type: 'PlaylistCreated', runId });
        expect(headerText(received.message, 'event-type')).toBe('PlaylistCreated');
        expect(headerText(received.message, 'correlation-id')).toBe(runId);
      } finally {
        await consumer?.disconnect();
        await producer?.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => {});
        await admin.disconnect();
      }
    },
    TIMEOUT_MS,
  );
});
