/**
 * What a benchmark run needs from a system under test. `Writer` is enough for the plain-INSERT
 * limit; `StoreTarget` adds what only an event store does.
 */
import type { TrackPlayed } from '../workload.js';

export interface Writer {
  /** One event in one committed transaction. */
  appendOne(stream: string, event: TrackPlayed): Promise<void>;
  /** A batch of events to one stream in one transaction. */
  appendBatch(stream: string, events: readonly TrackPlayed[]): Promise<void>;
  close(): Promise<void>;
}

export interface StoreTarget extends Writer {
  /** Reads every event in global order; returns how many. */
  readAll(): Promise<number>;
  /** Delivers each event committed from now on; resolves once the subscription is in place. */
  subscribe(onEvent: (event: TrackPlayed) => void): Promise<{ stop(): Promise<void> }>;
}

export interface OpenOptions {
  url: string;
  poolSize: number;
}

export function isStoreTarget(target: Writer): target is StoreTarget {
  return 'readAll' in target;
}
