/** The tasks the benchmark (index.ts) gives its history process (worker.ts). */
import type { NewEvent } from '../../gateways/event-store/port.js';

export interface LoadResult {
  /** The history process (its CPU is counted apart). */
  pid: number;
  events: number;
  appends: number;
  streams: number;
  /** Events per type. */
  counts: Record<string, number>;
  generateSeconds: number;
  loadSeconds: number;
}

/** One command's events, to append as they are. */
export interface LiveAppend {
  stream: string;
  events: NewEvent[];
}

export type Tasks = {
  /** Generates the history (history.ts) and appends it to the store at `url` with `writers` concurrent writers. */
  load: { args: { url: string; events: number; seed: number; days: number; endMs: number; writers: number }; result: LoadResult };
  /** `count` single commands continuing the history in its mix, the i-th meant for `startMs + i * intervalMs`. */
  live: { args: { count: number; startMs: number; intervalMs: number }; result: LiveAppend[] };
};
