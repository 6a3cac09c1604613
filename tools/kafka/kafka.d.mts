export interface StartKafkaOptions {
  port?: number;
  controllerPort?: number;
  dataDir?: string;
  logFile?: string;
  heap?: string;
  log?: (line: string) => void;
  pidFile?: string;
  watchParent?: boolean;
}

export interface RunningKafka {
  brokers: string;
  pid: number;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  pidFile: string;
  /** Stops the broker and deletes its data dir and pid file. */
  stop(): Promise<void>;
  /**
   * Stops the broker process — a clean shutdown (SIGTERM, then SIGKILL after 15 s), or at once with
   * `{ kill: true }` — keeping its data dir, ports and files, so that restart() brings it back.
   */
  halt(options?: { kill?: boolean }): Promise<void>;
  /** Starts the broker again on the same ports and data dir (halting it first if it runs); resolves once it is ready. `pid` changes. */
  restart(): Promise<void>;
}

export function startKafka(options?: StartKafkaOptions): Promise<RunningKafka>;
export function stopKafka(pidFile?: string): Promise<void>;
