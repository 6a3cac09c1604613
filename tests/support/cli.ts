/** The analyst CLI (`bin/chorus.mjs`) as a real child process, as a user runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CHORUS_BIN = fileURLToPath(new URL('../../bin/chorus.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `chorus <args>` with this process's environment, LOG_LEVEL=warn, and `env` on top. */
export function startChorusCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CHORUS_BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `chorus <args>` to its end; what it printed and how it ended. */
export async function runChorusCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = startChorusCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}
