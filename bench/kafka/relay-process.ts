/** `chorus relay` as a child process, as an operator runs it, with its log lines at hand. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/chorus.mjs', import.meta.url));

export interface RelayProcess {
  child: ChildProcess;
  /** The pino `time` (ms) of the first log line whose message matches, once there is one. */
  loggedAt(pattern: RegExp): number | undefined;
  output(): string;
  stop(): Promise<number | null>;
}

export function startRelayProcess(env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, [BIN, 'relay'], {
    env: { ...process.env, ESDB_URL: '', REDIS_URL: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    output: () => output,
    loggedAt(pattern) {
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { time?: number; msg?: string };
        if (entry.msg && pattern.test(entry.msg)) return entry.time;
      }
      return undefined;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return closed;
    },
  };
}
