/** Settings of the projections benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export interface Config {
  /** Events in the generated history (BENCH_EVENTS). */
  events: number;
  /** Seed of the history (BENCH_SEED). */
  seed: number;
  /** Days the history spans, ending when the benchmark starts. */
  days: number;
  /** Concurrent writers loading the history (BENCH_LOAD_WRITERS). */
  loadWriters: number;
  /** Steady append rate of the lag run, events/s (BENCH_LAG_RATE). */
  lagRate: number;
  /** Measured length of the lag run (BENCH_LAG_SECONDS). */
  lagSeconds: number;
  /** Paced appends before the measured lag run, not recorded (BENCH_LAG_WARMUP_SECONDS). */
  lagWarmupSeconds: number;
  /** How long one event may take to become visible before it counts as lost (ms). */
  visibleTimeoutMs: number;
}

export function readConfig(): Config {
  return {
    events: Math.round(envNumber('BENCH_EVENTS', 1_000_000)),
    seed: Math.round(envNumber('BENCH_SEED', 1)),
    days: 30,
    loadWriters: Math.round(envNumber('BENCH_LOAD_WRITERS', 8)),
    lagRate: envNumber('BENCH_LAG_RATE', 1_000),
    lagSeconds: envNumber('BENCH_LAG_SECONDS', 20),
    lagWarmupSeconds: envNumber('BENCH_LAG_WARMUP_SECONDS', 5),
    visibleTimeoutMs: 10_000,
  };
}
