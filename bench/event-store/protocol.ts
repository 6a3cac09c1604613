/** The tasks the orchestrator (index.ts) gives a worker process (worker.ts). */
import type { LatencySummary } from '../lib/stats.js';
import type { PacedRun, Throughput } from '../lib/timing.js';

/** ours: Chorus's store; peer: Emmett's; plain: bare INSERTs (the physical limit). */
export type System = 'ours' | 'peer' | 'plain';

export type Tasks = {
  /** Opens the system on a database; one open target per worker at a time. */
  open: { args: { url: string; poolSize: number }; result: void };
  close: { args: Record<string, never>; result: void };
  /** Closed loop: `writers` writers, each appending one event to a new stream, again and again. */
  appendSingles: { args: { writers: number; seconds: number }; result: Throughput };
  /** Closed loop: each writer appends batches of `batchSize` events to new streams. */
  appendBatches: { args: { writers: number; batchSize: number; seconds: number }; result: Throughput };
  /** Fills the store with `events` events in batches of `batchSize` (not timed). */
  preload: { args: { events: number; batchSize: number }; result: void };
  readAll: { args: Record<string, never>; result: Throughput };
  /** Subscribes from the current head; events are recorded until stopSubscriber. */
  startSubscriber: { args: Record<string, never>; result: void };
  /**
   * Waits (at most `timeoutMs`) for the `expected` events appended within [from, to], stops, and
   * returns their append-to-delivery latencies.
   */
  stopSubscriber: {
    args: { from: number; to: number; expected: number; timeoutMs: number };
    result: { latency: LatencySummary; received: number; duplicates: number };
  };
  /** Open loop: appends one event to a new stream at a steady `perSecond`, by the clock. */
  pacedAppends: { args: { perSecond: number; seconds: number }; result: PacedRun & { ack: LatencySummary } };
};
