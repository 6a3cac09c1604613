#!/usr/bin/env node
// Makes sure the local PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) that the tests use
// are running, starting them with the machine's own commands when they are not. Exits non-zero,
// saying which service and why, when one cannot be started. Importable: ensureServices().
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SERVICES = [
  {
    name: 'PostgreSQL',
    host: '127.0.0.1',
    port: 5432,
    start: () => {
      const versions = readdirSync('/etc/postgresql');
      if (versions.length === 0) throw new Error('no cluster under /etc/postgresql');
      return ['pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start']];
    },
  },
  {
    name: 'Redis',
    host: '127.0.0.1',
    port: 6379,
    start: () => [
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
        '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
    ],
  },
];

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`.trim()));
      else resolve();
    });
  });
}

async function waitFor(service, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable(service.host, service.port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Resolves when every service answers; throws an Error naming the one that could not start. */
export async function ensureServices({ log = () => {} } = {}) {
  for (const service of SERVICES) {
    if (await reachable(service.host, service.port)) continue;
    log(`${service.name} is not reachable on ${service.host}:${service.port}; starting it`);
    try {
      const [command, args] = service.start();
      await run(command, args);
    } catch (error) {
      throw new Error(`${service.name} is down on ${service.host}:${service.port} and could not be started: ${error.message}`, { cause: error });
    }
    if (!(await waitFor(service, 30_000))) {
      throw new Error(`${service.name} was started but is still not reachable on ${service.host}:${service.port} after 30 s`);
    }
    log(`${service.name} started`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureServices({ log: (line) => console.log(`services: ${line}`) })
    .then(() => console.log('services: PostgreSQL and Redis are up'))
    .catch((error) => {
      console.error(`services: ${error.message}`);
      process.exit(1);
    });
}
