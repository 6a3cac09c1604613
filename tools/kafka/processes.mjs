// Processes of the Kafka tool: is a pid alive and one of our brokers, signals, termination with a
// deadline, free ports, and child commands run to completion.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { HOST } from './broker-config.mjs';
import { pidFiles, readJson } from './files.mjs';

const STOP_TIMEOUT_MS = 15_000;

/** Runs a command to completion without blocking the event loop; never rejects. stdout holds both streams. */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const out = [];
    let child;
    try {
      child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ status: null, signal: null, stdout: '', error });
      return;
    }
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.once('error', (error) => resolve({ status: null, signal: null, stdout: '', error }));
    child.once('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8') }));
  });
}

/** SIGTERM, wait up to 15 s, then SIGKILL. */
export async function terminate(pid, hasExited) {
  if (hasExited()) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (!hasExited() && Date.now() < deadline) await sleep(100);
  if (hasExited()) return;
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (!hasExited() && Date.now() < killDeadline) await sleep(50);
}

export function cleanupAfterFailure(record, pidFile) {
  killWatchdog(record);
  if (isBroker(record.pid)) signal(record.pid, 'SIGKILL');
  removeRecordDirs(record);
  fs.rmSync(pidFile, { force: true });
}

export function removeRecordDirs(record) {
  for (const dir of [record.dataDir, record.workDir]) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Brokers from earlier runs whose starting process died without stopping them. */
export function reapOrphans(log) {
  for (const file of pidFiles()) {
    const record = readJson(file);
    if (!record || record.persistent) continue;
    if (isAlive(record.ownerPid)) continue;
    if (isBroker(record.pid)) {
      log(`kafka: killing orphaned broker pid ${record.pid} (${record.brokers})`);
      signal(record.pid, 'SIGKILL');
    }
    killWatchdog(record);
    removeRecordDirs(record);
    fs.rmSync(file, { force: true });
  }
}

export function freePort(avoid = []) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => (avoid.includes(port) ? freePort(avoid).then(resolve, reject) : resolve(port)));
    });
  });
}

/** A live process whose command line shows it is one of our brokers (pid files outlive reboots). */
export function isBroker(pid) {
  return isAlive(pid) && commandLineIncludes(pid, 'kafka.Kafka');
}

export function killWatchdog(record) {
  if (record.watchdogPid && isAlive(record.watchdogPid) && commandLineIncludes(record.watchdogPid, '__watchdog')) {
    signal(record.watchdogPid, 'SIGKILL');
  }
}

export function commandLineIncludes(pid, marker) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return process.platform !== 'linux'; // no /proc: trust the pid file
  }
}

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie (exited, not yet reaped) still answers signal 0.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function describeExit({ code, signal: sig, error }) {
  if (error) return `error ${error.message}`;
  return code !== null ? `exit code ${code}` : `signal ${sig}`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
