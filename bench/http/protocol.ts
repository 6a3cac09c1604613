/** The tasks the orchestrator (index.ts) gives its two children: the Chorus server and the load generator. */
/** What a process has used so far: CPU (µs, all threads) and event-loop time (ms). */
export interface Usage {
  cpu: NodeJS.CpuUsage;
  eventLoop: { idle: number; active: number };
}

export type ServerTasks = {
  /** Starts Chorus (startChorus) with `env` as its environment; logs go to `logFile`. */
  start: { args: { env: Record<string, string>; logFile: string }; result: { url: string } };
  /** Usage so far, SQL round trips so far, and the bytes of log written so far. */
  usage: { args: Record<string, never>; result: Usage & { sqlQueries: number; logBytes: number } };
  /** Changes the level of Chorus's logger (and so of the request loggers made from now on). */
  setLogLevel: { args: { level: string }; result: void };
  /** V8's sampling CPU profiler, in the server process (as `node --cpu-prof` would). */
  startProfile: { args: Record<string, never>; result: void };
  /** Stops the profiler and writes the profile (.cpuprofile JSON) to `file`. */
  stopProfile: { args: { file: string }; result: void };
  stop: { args: Record<string, never>; result: void };
};

/** One HTTP request as autocannon sends it. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Completed responses (any status) inside the run, and the run's length. */
  responses: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds from request sent to response complete, as autocannon measures it. */
  latency: { p50: number; p90: number; p99: number; max: number };
  /** Responses by status code. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts (no response at all). */
  errors: number;
  timeouts: number;
  /** The load generator's own usage during the run. */
  usage: Usage;
}

export type LoadTasks = {
  /**
   * Closed loop: `connections` keep-alive connections, each sending its next request as soon as
   * the previous one was answered, for `seconds`. Connection i cycles through
   * `perConnection[i % perConnection.length]`.
   */
  run: { args: { url: string; connections: number; seconds: number; perConnection: LoadRequest[][] }; result: LoadResult };
};
