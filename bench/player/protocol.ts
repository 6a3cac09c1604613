/**
 * The tasks the orchestrator (index.ts) gives its children: Chorus nodes (chorus-node.ts) and the
 * load process (load.ts), each a process of its own.
 */
import type { LatencySummary } from '../lib/stats.js';
import type { Memory } from '../sync/protocol.js';

export type { Memory };

export type ChorusTasks = {
  /** Starts Chorus (loadConfig + startChorus, as npm start) with `env`; logs go to `logFile`. */
  start: { args: { env: Record<string, string>; logFile: string }; result: { url: string; pid: number } };
  /** Memory after two forced full collections. */
  memory: { args: Record<string, never>; result: Memory };
  stop: { args: Record<string, never>; result: void };
  /** V8's CPU profiler in the node (BENCH_PLAYER_PROFILE_DIR): started before a measured run, stopped and written after it. */
  startProfile: { args: Record<string, never>; result: void };
  stopProfile: { args: { file: string }; result: void };
};

/** One device of a user: the player socket URL of the node it connects to. */
export interface DeviceSpec {
  deviceId: string;
  /** ws://HOST:PORT/v1/sync/player */
  url: string;
  /** The node's name: arrivals are classed same-node or cross-node (relative to the sender) by it. */
  node: string;
}

export interface UserSpec {
  userId: string;
  token: string;
  devices: DeviceSpec[];
}

export interface ConnectResult {
  devices: number;
  seconds: number;
  failed: number;
  failedByNode: Record<string, number>;
  /** The first few failures' messages. */
  failures: string[];
}

export interface RunResult {
  /** Commands sent, and users passed over because their previous command was still unanswered. */
  commands: number;
  skipped: number;
  seconds: number;
  /** How far the pacer fell behind its schedule at worst (ms): the load process's own lag. */
  pacerMaxLagMs: number;
  /** The load process's event-loop utilization and CPU (cores) during the run. */
  loadEventLoop: number;
  loadCores: number;
  /** The load process's event-loop delay during the run (ms; perf_hooks.monitorEventLoopDelay). */
  loopDelay: { p50: number; p99: number; max: number };
}

export interface Latencies {
  /** Measured commands sent; answered applied, answered unchanged (applied: false), refused (error), and without an answer. */
  commands: number;
  applied: number;
  notApplied: number;
  errors: number;
  unanswered: number;
  /** The first few refusals. */
  errorSamples: string[];
  /** Applied commands whose new state reached every device of the user (within the wait), and those that did not. */
  complete: number;
  incomplete: number;
  /** From the command sent to the new state received on the last device of the user, ms (the figure). */
  allDevices: LatencySummary;
  /** From the command sent to its result frame at the sender, ms. */
  result: LatencySummary;
  /** From the command sent to the new state on one device: devices on the sender's node, and on the other node. */
  sameNode: LatencySummary;
  crossNode: LatencySummary;
}

export type LoadTasks = {
  pid: { args: Record<string, never>; result: number };
  /** Connects every device of `users` (each waits for its first state), `concurrency` opening at once. */
  connect: { args: { users: UserSpec[]; concurrency: number }; result: ConnectResult };
  /** Every user sends one command every `intervalSeconds`, from a random device of theirs, for `seconds`; `measured` ones count. */
  run: { args: { intervalSeconds: number; seconds: number; measured: boolean; seed: number }; result: RunResult };
  /** Waits (up to `timeoutMs`) for the measured commands still in flight, then returns the latencies. */
  latencies: { args: { timeoutMs: number }; result: Latencies };
  /** Closes every device and waits until the sockets are closed. */
  close: { args: Record<string, never>; result: void };
};
