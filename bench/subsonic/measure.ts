/**
 * One measured scenario, as bench/http measures its own: a warm-up, then a closed-loop autocannon
 * run in the load process while the CPU of the server, the load generator, the Postgres backends
 * and the machine is accounted for; then waits until the server is quiet again.
 */
import { performance } from 'node:perf_hooks';
import { ADMIN_URL } from '../../tests/support/postgres.js';
import type { LoadRequest, LoadResult, LoadTasks, ServerTasks } from '../http/protocol.js';
import { coresUsed, eventLoopUtilization, machineCoresBusy, machineCpu, postgresBackendCpu, postgresCoresUsed, usageSince } from '../http/usage.js';
import type { Child } from '../lib/rpc.js';
import { log } from '../lib/results.js';
import { formatMs, formatRate } from '../lib/table.js';
import { sleep } from '../lib/timing.js';
import type { Config } from './config.js';
import type { Scenario } from './workload.js';

export interface Processes {
  server: Child<ServerTasks>;
  load: Child<LoadTasks>;
  url: string;
  database: string;
}

export interface ScenarioRun {
  id: string;
  group: string;
  api: 'subsonic' | 'v1';
  format?: string;
  label: string;
  peer?: string;
  /** Mean bytes of an answer (checked before the run). */
  answerBytes: number;
  result: Omit<LoadResult, 'usage'>;
  cpu: {
    server: number;
    serverEventLoop: number;
    loadGenerator: number;
    postgres: number;
    machine: number;
    rest: number;
    serverMicrosPerRequest: number;
    postgresMicrosPerRequest: number;
  };
  /** pg round trips of the server per response. */
  sqlPerRequest: number;
}

export async function measure(
  processes: Processes,
  config: Config,
  scenario: Scenario,
  perConnection: LoadRequest[][],
  answerBytes: number,
  profileFile?: string,
): Promise<ScenarioRun> {
  const { server, load, url, database } = processes;
  const run = (seconds: number) => load.call('run', { url, connections: config.connections, seconds, perConnection });
  await run(config.warmupSeconds);
  await quiet(server);

  if (profileFile) await server.call('startProfile', {});
  const postgresBefore = await postgresBackendCpu(ADMIN_URL, database);
  const machineBefore = machineCpu();
  const serverBefore = await server.call('usage', {});
  const started = performance.now();
  const { usage: loadUsage, ...result } = await run(config.seconds);
  const seconds = (performance.now() - started) / 1_000;
  const serverAfter = await server.call('usage', {});
  const serverUsage = usageSince(serverBefore, serverAfter);
  const machine = machineCoresBusy(machineBefore, machineCpu());
  const postgres = postgresCoresUsed(postgresBefore, await postgresBackendCpu(ADMIN_URL, database), seconds);
  if (profileFile) await server.call('stopProfile', { file: profileFile });
  await quiet(server);

  const cpu = {
    server: coresUsed(serverUsage, seconds),
    serverEventLoop: eventLoopUtilization(serverUsage),
    loadGenerator: coresUsed(loadUsage, result.seconds),
    postgres,
    machine,
    rest: 0,
    serverMicrosPerRequest: (coresUsed(serverUsage, 1) * 1e6) / result.responses,
    postgresMicrosPerRequest: (postgres * seconds * 1e6) / result.responses,
  };
  cpu.rest = Math.max(0, cpu.machine - cpu.server - cpu.loadGenerator - (Number.isFinite(postgres) ? postgres : 0));
  const sqlPerRequest = (serverAfter.sqlQueries - serverBefore.sqlQueries) / result.responses;
  log(
    `${scenario.label}${profileFile ? ' (profiled)' : ''}: ${formatRate(result.perSecond)} req/s, p50 ${formatMs(result.latency.p50)} p99 ${formatMs(result.latency.p99)} ms, ` +
      `non-2xx ${result.non2xx}, errors ${result.errors}; SQL/request ${sqlPerRequest.toFixed(2)}; ` +
      `cores: server ${cpu.server.toFixed(2)} (event loop ${(cpu.serverEventLoop * 100).toFixed(0)}%), load ${cpu.loadGenerator.toFixed(2)}, postgres ${cpu.postgres.toFixed(2)}, rest ${cpu.rest.toFixed(2)}`,
  );
  const { id, group, api, format, label, peer } = scenario;
  return { id, group, api, format, label, peer, answerBytes, result, cpu, sqlPerRequest };
}

/** Waits (at most 120 s) until the server uses under 5% of a core over half a second. */
export async function quiet(server: Child<ServerTasks>): Promise<void> {
  const started = performance.now();
  let before = await server.call('usage', {});
  for (;;) {
    await sleep(500);
    const after = await server.call('usage', {});
    const cores = coresUsed(usageSince(before, after), 0.5);
    before = after;
    if (cores < 0.05 || performance.now() - started > 120_000) return;
  }
}
