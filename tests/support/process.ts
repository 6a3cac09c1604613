/** Starts Chorus as a real child process (`npm start`'s command) and waits until it listens. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export interface ChorusProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, for assertions and for failure reports. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * This process's environment without the services the test harness announces for its own use
 * (KAFKA_BROKERS of the integration project's broker): a Chorus child uses Kafka only when its
 * test says so.
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  return env;
}

export async function startChorusProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ChorusProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...inheritedEnv(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`chorus exited with ${child.exitCode} before listening:\n${output}`);
    if (output.includes('Chorus listening on')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`chorus did not listen within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
