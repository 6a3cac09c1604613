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
  stop(): Promise<void>;
}

export function startKafka(options?: StartKafkaOptions): Promise<RunningKafka>;
export function stopKafka(pidFile?: string): Promise<void>;
