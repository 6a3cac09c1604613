/**
 * One measured scenario: a warm-up, then a closed-loop autocannon run in the load process while
 * the CPU of the server, the load generator and the whole machine is accounted for; then waits
 * until the server is quiet again (projections caught up) before the next scenario.
 */
import { performance } from 'node:perf_hooks';
import { allProjections } from '../../projections/index.js';
import { ADMIN_URL } from '../../tests/support/postgres.js';
import type { Child } from '../lib/rpc.js';
import { formatMs, formatRate } from '../lib/table.js';
import { sleep } from '../lib/timing.js';
import type { Config, ScenarioName } from './config.js';
import type { LoadResult, LoadTasks, ServerTasks } from './protocol.js';
import { coresUsed, eventLoopUtilization, machineCoresBusy, machineCpu, postgresBackendCpu, postgresCoresUsed, usageSince } from './usage.js';
import { requestsFor, type Workload } from './workload.js';

export interface Processes {
  server: Child<ServerTasks>;
  load: Child<LoadTasks>;
  url: string;
  /** The benchmark's database, whose Postgres backends are accounted for. */
  database: string;
}

export interface ScenarioRun {
  scenario: ScenarioName;
  logLevel: string;
  connections: number;
  result: Omit<LoadResult, 'usage'>;
  /** Cores busy during the run (1.0 = one core), and event-loop utilization (1.0 = saturated). */
  cpu: {
    server: number;
    serverEventLoop: number;
    loadGenerator: number;
    loadGeneratorEventLoop: number;
    /** The Postgres backends serving the benchmark's database (not the WAL writer and other shared processes). */
    postgres: number;
    machine: number;
    /** Everything else: shared Postgres processes, Redis, the orchestrator, other work on the machine. */
    rest: number;
    /** CPU time per response (µs), which holds still when other work takes part of the machine. */
    serverMicrosPerRequest: number;
    postgresMicrosPerRequest: number;
  };
  /** SQL statements (round trips) the server made per response, projections included. */
  sqlPerRequest: number;
  /** Bytes of log the server wrote per response. */
  logBytesPerRequest: number;
  /** For plays: ms from append to commit of the last batch of each projection of plays, when the run ended. */
  projectionLagMs?: Record<string, number>;
  /** How long the server stayed busy after the load stopped (projections catching up). */
  busyAfterSeconds: number;
}

export async function measure(
  processes: Processes,
  config: Config,
  workload: Workload,
  scenario: ScenarioName,
  logLevel: string,
  profileFile?: string,
): Promise<ScenarioRun> {
  const { server, load, url, database } = processes;
  const perConnection = requestsFor(scenario, workload, config.connections);
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
  const projectionLagMs = scenario === 'plays' ? await projectionLag(url) : undefined;
  if (profileFile) await server.call('stopProfile', { file: profileFile });
  const busyAfterSeconds = await quiet(server);

  const cpu = {
    server: coresUsed(serverUsage, seconds),
    serverEventLoop: eventLoopUtilization(serverUsage),
    loadGenerator: coresUsed(loadUsage, result.seconds),
    loadGeneratorEventLoop: eventLoopUtilization(loadUsage),
    postgres,
    machine,
    rest: 0,
    serverMicrosPerRequest: (coresUsed(serverUsage, 1) * 1e6) / result.responses,
    postgresMicrosPerRequest: (postgres * seconds * 1e6) / result.responses,
  };
  cpu.rest = Math.max(0, cpu.machine - cpu.server - cpu.loadGenerator - (Number.isFinite(postgres) ? postgres : 0));
  console.error(
    `[bench] ${scenario} (log ${logLevel}${profileFile ? ', profiled' : ''}): ${formatRate(result.perSecond)} req/s, ` +
      `p50 ${formatMs(result.latency.p50)} p99 ${formatMs(result.latency.p99)} ms, non-2xx ${result.non2xx}, errors ${result.errors}; ` +
      `SQL/request ${((serverAfter.sqlQueries - serverBefore.sqlQueries) / result.responses).toFixed(2)}; cores: server ${cpu.server.toFixed(2)} (event loop ${(cpu.serverEventLoop * 100).toFixed(0)}%), load ${cpu.loadGenerator.toFixed(2)}, postgres ${cpu.postgres.toFixed(2)}, rest ${cpu.rest.toFixed(2)}`,
  );
  return {
    scenario,
    logLevel,
    connections: config.connections,
    result,
    cpu,
    sqlPerRequest: (serverAfter.sqlQueries - serverBefore.sqlQueries) / result.responses,
    logBytesPerRequest: (serverAfter.logBytes - serverBefore.logBytes) / result.responses,
    ...(projectionLagMs ? { projectionLagMs } : {}),
    busyAfterSeconds,
  };
}

/** Waits (at most 120 s) until the server uses under 5% of a core over half a second; returns the seconds waited. */
async function quiet(server: Child<ServerTasks>): Promise<number> {
  const started = performance.now();
  let before = await server.call('usage', {});
  for (;;) {
    await sleep(500);
    const after = await server.call('usage', {});
    const cores = coresUsed(usageSince(before, after), 0.5);
    before = after;
    const waited = (performance.now() - started) / 1_000;
    if (cores < 0.05 || waited > 120) return Math.max(0, waited - 0.5);
  }
}

/** The `chorus_projection_lag_seconds` gauges (the server's Prometheus metrics) of the projections of plays, in ms. */
async function projectionLag(url: string): Promise<Record<string, number>> {
  const ofPlays = new Set(allProjections.filter((p) => p.handles.includes('TrackPlayed')).map((p) => p.name));
  const text = await (await fetch(`${url}/metrics`)).text();
  const lag: Record<string, number> = {};
  for (const match of text.matchAll(/^chorus_projection_lag_seconds\{([^}]*)\} (\S+)$/gm)) {
    const name = /projection="([^"]+)"/.exec(match[1]!)?.[1];
    if (name && ofPlays.has(name) && /status="active"/.test(match[1]!)) lag[name] = Number(match[2]) * 1000;
  }
  return lag;
}
