/** Settings of the Kafka relay benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export interface Config {
  /** Events stored before the relay starts; the catch-up publishes them all (BENCH_EVENTS). */
  events: number;
  /** Events per preload append (one stream per append) and parallel preload writers. */
  preloadBatch: number;
  preloadWriters: number;
  /** Partitions of every topic (BENCH_KAFKA_PARTITIONS, as CHORUS_KAFKA_PARTITIONS). */
  partitions: number;
  /** Steady append rate of the latency run (BENCH_LATENCY_RATE). */
  latencyRate: number;
  /** Length of the latency run after a 2 s warm-up (BENCH_LATENCY_SECONDS). */
  latencySeconds: number;
}

export function readConfig(): Config {
  return {
    events: Math.round(envNumber('BENCH_EVENTS', 1_000_000)),
    preloadBatch: 1_000,
    preloadWriters: 4,
    partitions: Math.round(envNumber('BENCH_KAFKA_PARTITIONS', 3)),
    latencyRate: envNumber('BENCH_LATENCY_RATE', 1_000),
    latencySeconds: envNumber('BENCH_LATENCY_SECONDS', 10),
  };
}
