/** Vitest global setup for suites that need Kafka: a real broker, started here, stopped after. */
import type { TestProject } from 'vitest/node';
import { startKafka } from '../../tools/kafka/kafka.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const kafka = await startKafka();
  console.log(`[kafka] broker up at ${kafka.brokers} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.env.KAFKA_BROKERS = kafka.brokers;
  project.provide('kafkaBrokers', kafka.brokers);
  return async () => {
    await kafka.stop();
  };
}
