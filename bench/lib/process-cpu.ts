/**
 * Who used the CPU during a phase: CPU seconds of groups of processes (e.g. this Node process,
 * Postgres, Redis) and of the whole machine, from /proc (Linux). Each process counts for what it
 * used between the two samples (one that started meanwhile for all it used); one that exited
 * meanwhile is missing from the sum (what it used before it exited is not known), so keep the
 * measured connections open across a phase where possible.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Linux reports process times in clock ticks of 1/100 s on every common platform. */
const TICKS_PER_SECOND = 100;

export interface ProcessInfo {
  pid: number;
  /** The executable's name (`postgres`, `redis-server`, `node`). */
  command: string;
}

export type ProcessGroups = Record<string, (process: ProcessInfo) => boolean>;

export interface CpuSample {
  /** performance.now() of the sample, ms. */
  at: number;
  /** CPU seconds used so far by each group. */
  groups: Record<string, number>;
  /** The same for each process of each group. */
  processes: Record<string, Map<number, number>>;
  /** CPU seconds the whole machine has been busy so far (all cores). */
  machine: number;
}

export function sampleCpu(groups: ProcessGroups): CpuSample {
  const totals = Object.fromEntries(Object.keys(groups).map((name) => [name, 0]));
  const processes = Object.fromEntries(Object.keys(groups).map((name) => [name, new Map<number, number>()]));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited meanwhile
    }
    // "pid (command) state ..." — the command may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const info = { pid: Number(entry), command: stat.slice(stat.indexOf('(') + 1, close) };
    const fields = stat.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
    for (const [name, belongs] of Object.entries(groups)) {
      if (!belongs(info)) continue;
      totals[name]! += seconds;
      processes[name]!.set(info.pid, seconds);
    }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!; // idle, iowait
  const busy = cpu.reduce((sum, value) => sum + value, 0) - idle;
  return { at: performance.now(), groups: totals, processes, machine: busy / TICKS_PER_SECOND };
}

/** Cores each group kept busy on average between two samples, and the machine as a whole. */
export function coresUsed(from: CpuSample, to: CpuSample): Record<string, number> {
  const seconds = (to.at - from.at) / 1_000;
  const used = Object.fromEntries(
    Object.keys(to.groups).map((name) => {
      let sum = 0;
      for (const [pid, cpu] of to.processes[name]!) sum += cpu - (from.processes[name]?.get(pid) ?? 0);
      return [name, sum / seconds];
    }),
  );
  return { ...used, machine: (to.machine - from.machine) / seconds };
}
