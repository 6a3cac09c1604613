/** The report: figures per scenario and log level, targets, CPU shares, and the report as text. */
import os from 'node:os';
import type { CodeVersion } from '../lib/code-version.js';
import type { MachineInfo } from '../lib/postgres-info.js';
import { formatMs, formatRate, formatTable } from '../lib/table.js';
import type { Config, ScenarioName } from './config.js';
import type { ScenarioRun } from './measure.js';
import type { ProfileSummary } from './profile.js';
import { SEARCH_TERMS, type Workload } from './workload.js';

/** The issue's targets, on this 2-core machine. */
const TARGETS: Array<{ scenario: ScenarioName; perSecond: number; p99Ms: number }> = [
  { scenario: 'plays', perSecond: 2_000, p99Ms: 50 },
  { scenario: 'playlist', perSecond: 5_000, p99Ms: 20 },
  { scenario: 'search', perSecond: 5_000, p99Ms: 20 },
];

const LABELS: Record<ScenarioName, string> = {
  healthz: 'GET /healthz (Fastify floor)',
  plays: 'POST /v1/me/plays',
  playlist: 'GET /v1/playlists/:id',
  search: 'GET /v1/search',
};

export interface Profiled {
  run: ScenarioRun;
  summary: ProfileSummary;
}

export type Report = ReturnType<typeof buildReport>;

export function buildReport(
  config: Config,
  machine: MachineInfo,
  code: CodeVersion,
  workload: Workload,
  runs: ScenarioRun[],
  profiled: Profiled | undefined,
  startedAt: Date,
) {
  const production = (scenario: ScenarioName) => runs.find((r) => r.scenario === scenario && r.logLevel === 'warn');
  const targets = TARGETS.map(({ scenario, perSecond, p99Ms }) => {
    const run = production(scenario);
    const actual = { perSecond: run?.result.perSecond ?? Number.NaN, p99Ms: run?.result.latency.p99 ?? Number.NaN, non2xx: run?.result.non2xx ?? 0, errors: run?.result.errors ?? 0 };
    return {
      scenario,
      required: { perSecond, p99Ms, non2xx: 0 },
      actual,
      met: actual.perSecond >= perSecond && actual.p99Ms < p99Ms && actual.non2xx === 0 && actual.errors === 0,
    };
  });
  return {
    benchmark: 'http',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100),
    settings: { BENCH_SECONDS: config.seconds, ...config },
    machine,
    code,
    workload: {
      users: workload.tokens.length,
      demoTracks: workload.tracks.length,
      playlist: 'public, owner + 2 collaborators, served from the read model',
      plays: 'per connection its own users (no two connections write one user), 60 distinct bodies over the demo tracks, 1 in 5 a skip (12 s)',
      searchTerms: SEARCH_TERMS.map((term) => ({ term, results: workload.searchHits[term] ?? 0 })),
    },
    method: methodNotes(config),
    results: runs,
    profile: profiled,
    targets,
    allTargetsMet: targets.every((t) => t.met),
  };
}

function methodNotes(config: Config): string[] {
  return [
    `Chorus runs in a process of its own (bench/http/server.ts: loadConfig + startChorus, as npm start) on a fresh Postgres database ` +
      `(events and read models) and a Redis key prefix of its own (cache), demo catalog imported, rate limit on writes off (10^9 a minute); ` +
      `all projections run in the server process, as in npm start. Database and keys are removed at the end.`,
    `autocannon 8 runs in a second process (bench/http/load.ts): ${config.connections} keep-alive connections on loopback, closed loop ` +
      `(each connection sends its next request when the previous one is answered), no pipelining; ${config.seconds} s measured after ` +
      `${config.warmupSeconds} s of warm-up with the same requests. In a closed loop at saturation, mean latency ≈ connections / throughput.`,
    `Latency is autocannon's per-response time (send to last byte, µs resolution), percentiles by nearest rank over every response.`,
    `CPU: "server" and "load" are each process's CPU time (all threads) over the run's wall time, in cores (1.0 = one core busy); ` +
      `"pg" is the CPU time of the Postgres backends serving the benchmark's database (/proc); ` +
      `"rest" is the machine's busy time (os.cpus) less those three: Postgres's shared processes (WAL writer, ...), Redis, the orchestrator and any other work on the machine. ` +
      `"loop" is the server's event-loop utilization: near 100% its one JS thread is the limit (or, with little CPU, the machine starves it). ` +
      `"SQL/req" counts the server's pg round trips (pg.Client#query calls, projections included) per response; ` +
      `"µs/req" is the CPU time of the server process and of the Postgres backends per response, which holds still when other work takes part of the machine.`,
    `LOG_LEVEL=warn is the production setting measured against the targets. Each scenario then runs again at once on the same ` +
      `server with the logger switched to info (request logs on: two lines per request, written synchronously to a file, as pino's ` +
      `default stdout destination does): what request logging costs, paired with the warn run.`,
    `Between scenarios the benchmark waits until the server is quiet (under 5% of a core): plays leave projection work behind, ` +
      `shown as "busy after".`,
  ];
}

export function formatReport(report: Report): string {
  const { machine } = report;
  const rows = report.results.map((r) => [
    `${LABELS[r.scenario]}${r.logLevel === 'warn' ? '' : `, log ${r.logLevel}`}`,
    formatRate(r.result.perSecond),
    formatMs(r.result.latency.p50),
    formatMs(r.result.latency.p90),
    formatMs(r.result.latency.p99),
    formatMs(r.result.latency.max),
    String(r.result.non2xx + r.result.errors),
    r.sqlPerRequest.toFixed(1),
    formatRate(r.cpu.serverMicrosPerRequest),
    formatRate(r.cpu.postgresMicrosPerRequest),
    formatRate(r.logBytesPerRequest),
    r.cpu.server.toFixed(2),
    `${Math.round(r.cpu.serverEventLoop * 100)}%`,
    r.cpu.loadGenerator.toFixed(2),
    r.cpu.postgres.toFixed(2),
    r.cpu.rest.toFixed(2),
    r.busyAfterSeconds >= 1 ? `${r.busyAfterSeconds.toFixed(0)} s` : '-',
  ]);
  const failures = report.results.filter((r) => r.result.non2xx + r.result.errors > 0);
  const lag = report.results.filter((r) => r.projectionLagMs);
  const targetRows = report.targets.map((t) => [
    LABELS[t.scenario],
    `${formatRate(t.actual.perSecond)}/s, p99 ${formatMs(t.actual.p99Ms)} ms`,
    `>= ${formatRate(t.required.perSecond)}/s, p99 < ${t.required.p99Ms} ms`,
    t.met ? 'yes' : 'NO',
  ]);
  const lines = [
    `HTTP benchmark, ${report.date} (${report.durationSeconds} s)`,
    `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')} at start, ` +
      `${report.loadAverageAtEnd.join(' ')} at end; Node ${machine.node}; PostgreSQL ${machine.postgres}, synchronous_commit=${machine.settings.synchronous_commit}`,
    `Code: commit ${report.code.commit}, sources hash ${report.code.sourceHash}` +
      (report.code.uncommitted.length > 0 ? ` (uncommitted: ${report.code.uncommitted.join(', ')})` : ''),
    `Load: autocannon in its own process, ${report.settings.connections} connections, ${report.settings.seconds} s after ${report.settings.warmupSeconds} s warm-up; ` +
      `${report.workload.users} users with dev tokens, ${report.workload.demoTracks} demo tracks, ${report.workload.searchTerms.length} search terms`,
    '',
    formatTable(['scenario', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'failed', 'SQL/req', 'server µs/req', 'pg µs/req', 'log B/req', 'server cores', 'loop', 'load cores', 'pg cores', 'rest cores', 'busy after'], rows),
    ...failures.map((r) => `  ${LABELS[r.scenario]} (log ${r.logLevel}): statuses ${JSON.stringify(r.result.statuses)}, errors ${r.result.errors}, timeouts ${r.result.timeouts}`),
    ...lag.map((r) => `  projection lag when the plays (log ${r.logLevel}) stopped, ms: ${Object.entries(r.projectionLagMs!).map(([k, v]) => `${k} ${formatRate(v)}`).join(', ')}`),
    `  search terms (results at set-up): ${report.workload.searchTerms.map((t) => `${t.term} (${t.results})`).join(', ')}`,
    '',
    formatTable(['target (log warn)', 'actual', 'required', 'met'], targetRows),
  ];
  if (report.profile) {
    const { run, summary } = report.profile;
    const share = (s: { name: string; share: number }) => `${(s.share * 100).toFixed(1).padStart(5)}%  ${s.name}`;
    lines.push(
      '',
      `CPU profile of the server during ${LABELS[run.scenario]} (${formatRate(run.result.perSecond)} req/s while profiled, ${summary.samples} samples over ${summary.seconds.toFixed(1)} s; ${summary.file})`,
      '  self time by area:',
      ...summary.byArea.map((s) => `    ${share(s)}`),
      '  top functions by self time:',
      ...summary.topFunctions.map((s) => `    ${share(s)}`),
    );
  }
  lines.push('', 'Method:', ...report.method.map((note) => `  - ${note}`));
  return lines.join('\n');
}
