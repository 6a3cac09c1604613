/** How busy the machine was during a phase: cores by process group, and this process's event loop. */
import { performance } from 'node:perf_hooks';
import { coresUsed, sampleCpu, type ProcessGroups } from '../lib/process-cpu.js';

/** Where the CPU goes: this process (the node), the history process, the servers. */
export function processGroups(historyPid: number | undefined): ProcessGroups {
  return {
    node: (p) => p.pid === process.pid,
    history: (p) => p.pid === historyPid,
    postgres: (p) => p.command === 'postgres',
    redis: (p) => p.command.startsWith('redis-server'),
  };
}

export interface Usage {
  /** Cores busy on average, by group and for the whole machine. */
  cores: Record<string, number>;
  /** Share of the time this process's event loop was busy. */
  eventLoop: number;
}

/** Runs `work` and says how busy the CPUs and this event loop were meanwhile. */
export async function withUsage<T>(groups: ProcessGroups, work: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
  const cpu = sampleCpu(groups);
  const loop = performance.eventLoopUtilization();
  const result = await work();
  return { result, usage: { cores: coresUsed(cpu, sampleCpu(groups)), eventLoop: performance.eventLoopUtilization(loop).utilization } };
}
