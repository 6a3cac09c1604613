/**
 * The peer: Debian's nginx serving the media folder as static files with sendfile, on a loopback
 * port, from a configuration written to a temporary folder (its pid file, logs and temp paths
 * too). Installed with apt-get when missing (tools/packages); started and stopped here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDebianPackages } from '../../tools/packages/debian.mjs';
import { freePort } from '../../tests/support/process.js';
import { log } from '../lib/results.js';
import { sleep } from '../lib/timing.js';

export interface Nginx {
  url: string;
  version: string;
  /** The master process (workers are its children, named nginx too). */
  pid: number;
  stop(): Promise<void>;
}

function nginxBinary(): string {
  if (existsSync('/usr/sbin/nginx')) return '/usr/sbin/nginx';
  return 'nginx';
}

function config(dir: string, root: string, port: number): string {
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  return `# Written by bench/stream for one run.
daemon off;
master_process on;
worker_processes auto;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  types { audio/mp4 m4a; application/vnd.apple.mpegurl m3u8; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location /tracks/ { }
  }
}
`;
}

/** Starts nginx serving `root` (the media folder); `dir` holds its configuration and logs. */
export async function startNginx(root: string, dir: string): Promise<Nginx> {
  ensureDebianPackages(['nginx'], { log });
  const binary = nginxBinary();
  const version = spawnSync(binary, ['-v'], { encoding: 'utf8' }).stderr.trim();
  const port = await freePort();
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config(dir, root, port));
  const child: ChildProcess = spawn(binary, ['-p', dir, '-e', join(dir, 'error.log'), '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    const up = await fetch(`${url}/tracks/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen within 15 s: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    url,
    version,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGQUIT'); // graceful: workers finish, then the master exits
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
