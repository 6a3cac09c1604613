/** The tasks the orchestrator (index.ts) gives the load process (load.ts). */
import type { LoadRequest, Usage } from '../http/protocol.js';

/** One listener starting streams: Chorus's API and media URLs, or nginx's file paths. */
export type StartPlan =
  | { kind: 'chorus'; base: string; listeners: { token: string }[]; trackIds: string[] }
  | { kind: 'nginx'; base: string; listeners: number; paths: string[] };

export interface StartsResult {
  /** Stream start to the first byte of media (ms): the whole start for Chorus, the Range request alone for nginx. */
  firstByteMs: number[];
  /** Chorus only: the stream request alone, until its JSON is read (ms). */
  offerMs: number[];
  /** Media responses by status. */
  statuses: Record<string, number>;
  errors: number;
  seconds: number;
  usage: Usage;
}

export interface RangesResult {
  responses: number;
  seconds: number;
  /** Responses by status. */
  statuses: Record<string, number>;
  /** Bytes of the 206 answers' bodies. */
  bodyBytes: number;
  /** Request sent to answer read (ms). */
  latency: { p50: number; p99: number };
  /** Requests without an answer (connection errors). */
  errors: number;
  usage: Usage;
}

/**
 * How the listeners start their streams: `burst`, every listener at once, each starting `rounds`
 * streams one after another (a closed loop: the server's capacity, latency is mostly queueing);
 * `paced`, `perSecond` starts by the clock for `seconds`, spread over the listeners in turn, none
 * waiting for another (an open loop: the time a listener waits at that rate).
 */
export type StartSchedule = { kind: 'burst'; rounds: number } | { kind: 'paced'; perSecond: number; seconds: number };

export type StreamLoadTasks = {
  /**
   * Listeners starting streams over keep-alive connections (one pool per run): for Chorus
   * `GET /v1/tracks/:id/stream` then the first Range request of the URL it gives; for nginx the
   * Range request alone. `rangeBytes` is its length.
   */
  starts: { args: { plan: StartPlan; schedule: StartSchedule; rangeBytes: number }; result: StartsResult };
  /** Closed loop over `connections` keep-alive connections: connection i cycles through `perConnection[i % length]`. */
  ranges: { args: { base: string; connections: number; seconds: number; perConnection: LoadRequest[][] }; result: RangesResult };
};
