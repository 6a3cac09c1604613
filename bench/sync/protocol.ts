/**
 * The tasks the orchestrator (index.ts) gives its children: Chorus nodes (chorus-node.ts), the
 * stock y-websocket server (stock-server.ts) and the load process (load.ts), each a process of its own.
 */
import type { LatencySummary } from '../lib/stats.js';

/** A server process's memory after a full garbage collection (bytes; process.memoryUsage()). */
export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** What every server child answers. */
type ServerProbe = {
  /** Memory after two forced full collections. */
  memory: { args: Record<string, never>; result: Memory };
  stop: { args: Record<string, never>; result: void };
};

export type ChorusTasks = ServerProbe & {
  /** Starts Chorus (loadConfig + startChorus, as npm start) with `env`; logs go to `logFile`. */
  start: { args: { env: Record<string, string>; logFile: string }; result: { url: string; pid: number } };
  /** V8's CPU profiler in the node; stopProfile writes the .cpuprofile to `file` (BENCH_SYNC_PROFILE_DIR). */
  startProfile: { args: Record<string, never>; result: void };
  stopProfile: { args: { file: string }; result: void };
  /** Durations (ms) of the sync server's document loads from the store (Room#load) since the last call. */
  takeLoadTimes: { args: Record<string, never>; result: number[] };
  /** From applied to stored (ms), for every edit stored since the last call (Room#stored, timed in the node). */
  takeStoreLags: { args: Record<string, never>; result: number[] };
  /** From applied to visible in the playlist-items read model (ms; Infinity: not within 10 s), for every edit stored and waited for since the last call. */
  takeVisibleLags: { args: Record<string, never>; result: number[] };
  /** The sync server's gauges and counters so far (its /metrics). */
  syncState: { args: Record<string, never>; result: SyncState };
};

export interface SyncState {
  /** Playlist documents in memory, open sync connections. */
  rooms: number;
  connections: number;
  /** Stores of edit batches (PlaylistEdited appends), their total seconds, and the edits stored. */
  stores: number;
  storeSeconds: number;
  editsStored: number;
  /** Updates of other nodes read back from the store, and those of them that brought something the document lacked (gaps the Redis fan-out left). */
  storeReadBacks: number;
  storeFills: number;
}

export type StockTasks = ServerProbe & {
  /** Runs y-websocket 1.5.4's bin/server.js (bin/utils.js's setupWSConnection) on `port`. */
  start: { args: { port: number }; result: { url: string; pid: number } };
};

/** One client of a playlist in an editing run: which server it talks to and as whom. */
export interface ClientSpec {
  url: string;
  token: string;
  userId: string;
  /** The server's name (latency is classed same-node or cross-node by it). */
  node: string;
}

export interface PlaylistSpec {
  room: string;
  clients: ClientSpec[];
}

export interface ConnectResult {
  connections: number;
  seconds: number;
  /** Connection attempts that failed (first messages). */
  failures: string[];
  failed: number;
}

export interface RunResult {
  /** Edits launched in this run, and launched per second. */
  edits: number;
  seconds: number;
  /** How far the pacer fell behind its schedule at worst (ms): the load process's own lag. */
  pacerMaxLagMs: number;
  /** The load process's event-loop utilization and CPU (cores) during the run. */
  loadEventLoop: number;
  loadCores: number;
}

export interface Latencies {
  /** Edits made in the measured run(s), and the arrivals expected (edits x other clients of the playlist). */
  edits: number;
  expected: number;
  delivered: number;
  /** Local edit to arrival at another client, ms: every arrival, and split by same-node / cross-node. */
  all: LatencySummary;
  sameNode: LatencySummary;
  crossNode: LatencySummary;
  /** Bytes of the update frames sent for the measured edits (mean). */
  meanUpdateBytes: number;
}

export interface SyncTimings {
  /** From creating the socket to: upgrade answered, the server's sync step 2 arrived, applied. */
  openMs: number;
  stepTwoMs: number;
  syncedMs: number;
  stepTwoBytes: number;
  entries: number;
}

export type LoadTasks = {
  pid: { args: Record<string, never>; result: number };
  /** Opens idle connections (sync handshake done, nothing sent after), `concurrency` opening at once; keeps them. */
  openIdle: { args: { url: string; connections: Array<{ room: string; token: string }>; concurrency: number }; result: ConnectResult };
  closeIdle: { args: Record<string, never>; result: void };
  /** Connects every client of an editing run and waits until all are synced. */
  openEditors: { args: { playlists: PlaylistSpec[]; concurrency: number }; result: ConnectResult };
  /** Every client makes `rate` edits/s for `seconds` (paced by the clock); `measured` ones count. */
  runEdits: { args: { rate: number; seconds: number; measured: boolean }; result: RunResult };
  /** Waits (up to `timeoutMs`) for the measured edits still in flight, then returns the latencies. */
  latencies: { args: { timeoutMs: number }; result: Latencies };
  closeEditors: { args: Record<string, never>; result: void };
  /** Fills a playlist with `entries` entries, `batch` per edit, the members of `tokens` taking turns, up to `window` edits not yet seen by another client. */
  fill: { args: { url: string; room: string; tokens: string[]; entries: number; batch: number; window: number }; result: { seconds: number; edits: number } };
  /** A fresh client connects to a playlist; times its first sync. Closed afterwards unless `keep`. */
  syncOnce: { args: { url: string; room: string; token: string; keep: boolean }; result: SyncTimings };
  /** Closes the clients kept by syncOnce. */
  closeKept: { args: Record<string, never>; result: void };
};
