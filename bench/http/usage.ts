/**
 * CPU accounting: a process's own (CPU time, event-loop time), the Postgres backends of one
 * database (/proc), and the whole machine's (os.cpus).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Usage } from './protocol.js';

export function processUsage(): Usage {
  const { idle, active } = performance.eventLoopUtilization();
  return { cpu: process.cpuUsage(), eventLoop: { idle, active } };
}

export function usageSince(before: Usage, after: Usage): Usage {
  return {
    cpu: { user: after.cpu.user - before.cpu.user, system: after.cpu.system - before.cpu.system },
    eventLoop: { idle: after.eventLoop.idle - before.eventLoop.idle, active: after.eventLoop.active - before.eventLoop.active },
  };
}

/** CPU time over wall time: 1.0 is one core kept busy. */
export function coresUsed(usage: Usage, seconds: number): number {
  return (usage.cpu.user + usage.cpu.system) / 1e6 / seconds;
}

/** Share of the event loop's time spent running code (not waiting): 1.0 means saturated. */
export function eventLoopUtilization(usage: Usage): number {
  return usage.eventLoop.active / (usage.eventLoop.active + usage.eventLoop.idle);
}

export interface MachineCpu {
  busyMs: number;
  totalMs: number;
}

export function machineCpu(): MachineCpu {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of os.cpus()) {
    busyMs += times.user + times.nice + times.sys + times.irq;
    totalMs += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busyMs, totalMs };
}

/** Cores the whole machine kept busy between two snapshots (0 .. cpu count). */
export function machineCoresBusy(before: MachineCpu, after: MachineCpu): number {
  const total = after.totalMs - before.totalMs;
  return total <= 0 ? Number.NaN : ((after.busyMs - before.busyMs) / total) * os.cpus().length;
}

/** Linux's USER_HZ: the unit of the CPU times in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by each Postgres backend serving `database`, from
 * /proc (the server runs on this machine); empty where /proc is not readable.
 */
export async function postgresBackendCpu(adminUrl: string, database: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'chorus-bench-cpu' });
  await client.connect();
  let pids: number[];
  try {
    const rows = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
    pids = rows.rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND);
    } catch {
      // gone meanwhile, or no /proc
    }
  }
  return seconds;
}

/** Cores the backends used between two readings; a backend new in `after` counts from zero. */
export function postgresCoresUsed(before: Map<number, number>, after: Map<number, number>, seconds: number): number {
  if (after.size === 0) return Number.NaN;
  let used = 0;
  for (const [pid, cpu] of after) used += cpu - (before.get(pid) ?? 0);
  return used / seconds;
}
