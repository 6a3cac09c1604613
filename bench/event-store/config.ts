/** Settings of the event-store benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export interface Config {
  /** Length of each measured run (BENCH_SECONDS). */
  seconds: number;
  /** Untimed run of the same workload before each measured run (BENCH_WARMUP_SECONDS). */
  warmupSeconds: number;
  /** Measured runs per system and scenario, interleaved; the median is reported (BENCH_REPS). */
  reps: number;
  /** pg pool size, the same for every system (BENCH_POOL). */
  poolSize: number;
  writerCounts: readonly number[];
  batchSize: number;
  /**
   * Events in every store (and rows in the plain table) before the append and latency runs, so
   * that no system is measured on empty tables (BENCH_PRELOAD_EVENTS).
   */
  preloadEvents: number;
  /** Events pre-loaded for the catch-up read (BENCH_CATCHUP_EVENTS). */
  catchUpEvents: number;
  /** Steady append rate for the latency runs (BENCH_LATENCY_RATE). */
  latencyRate: number;
  /** Length of each latency run (BENCH_LATENCY_SECONDS). */
  latencySeconds: number;
}

export function readConfig(): Config {
  return {
    seconds: envNumber('BENCH_SECONDS', 5),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
    reps: Math.round(envNumber('BENCH_REPS', 3)),
    poolSize: Math.round(envNumber('BENCH_POOL', 32)),
    writerCounts: [1, 8, 32],
    batchSize: 100,
    preloadEvents: Math.round(envNumber('BENCH_PRELOAD_EVENTS', 100_000)),
    catchUpEvents: Math.round(envNumber('BENCH_CATCHUP_EVENTS', 200_000)),
    latencyRate: envNumber('BENCH_LATENCY_RATE', 1_000),
    latencySeconds: envNumber('BENCH_LATENCY_SECONDS', 10),
  };
}
