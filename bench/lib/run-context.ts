/**
 * What every benchmark records before it measures: when it started, the machine and Postgres
 * server it runs on, and the version of the code under test. Warns when the machine is busy.
 */
import { ADMIN_URL } from '../../tests/support/postgres.js';
import { codeVersion, type CodeVersion } from './code-version.js';
import { describeMachine, type MachineInfo } from './postgres-info.js';
import { log } from './results.js';

export interface RunContext {
  startedAt: Date;
  machine: MachineInfo;
  code: CodeVersion;
}

/** `sources`: the folders and files whose code the benchmark measures. */
export async function beginRun(sources: readonly string[]): Promise<RunContext> {
  const startedAt = new Date();
  const machine = await describeMachine(ADMIN_URL);
  const code = codeVersion(sources);
  if (machine.loadAverage[0]! > machine.cpuCount / 2) {
    log(`warning: load average ${machine.loadAverage.join(' ')} on ${machine.cpuCount} CPUs; other work will add noise to every figure`);
  }
  return { startedAt, machine, code };
}
