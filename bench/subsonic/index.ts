/**
 * `npm run bench -- subsonic`: the OpenSubsonic edge under load, beside the HTTP API's equivalent
 * routes in the same run. Chorus runs as bench/http runs it (bench/http/server.ts: loadConfig +
 * startChorus, Postgres and Redis), on a generated catalog of thousands of tracks, with one local
 * account signing every Subsonic call with token auth; autocannon (bench/http/load.ts) in another
 * process, 50 connections, closed loop. Targets: p99 < 20 ms, and within 1.5x of the /v1 route
 * (p99 and requests/s). See bench/README.md.
 */
import { projectionsEnv } from '../lib/env.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { TEST_REDIS_URL, deleteByPrefix } from '../../tests/support/redis.js';
import type { LoadTasks, ServerTasks } from '../http/protocol.js';
import { summarizeProfile, type ProfileSummary } from '../http/profile.js';
import { spawnChild } from '../lib/rpc.js';
import { log, writeResults } from '../lib/results.js';
import { beginRun } from '../lib/run-context.js';
import { formatMs, formatRate, formatRatio, formatTable } from '../lib/table.js';
import { readConfig, type Config } from './config.js';
import { measure, quiet, type ScenarioRun } from './measure.js';
import { checkRequests, describeCatalog, importCatalog, prepareWorkload, requestsFor, scenarios, type Workload } from './workload.js';

const SERVER = new URL('../http/server.ts', import.meta.url);
const LOADS = { autocannon: new URL('../http/load.ts', import.meta.url), lean: new URL('./lean-load.ts', import.meta.url) };
/** The code under test: everything a request goes through. */
const MEASURED_SOURCES = ['app', 'application', 'http', 'subsonic', 'domain', 'gateways', 'projections'];
const P99_TARGET_MS = 20;
const PEER_RATIO_TARGET = 1.5;

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  const database = await createTestDatabase('bench_subsonic');
  const redisPrefix = `chorus-bench:subsonic:${randomBytes(5).toString('hex')}:`;
  const logDir = await mkdtemp(join(tmpdir(), 'chorus-bench-subsonic-'));
  const load = await spawnChild<LoadTasks>(LOADS[config.client], ['load']);
  const server = await spawnChild<ServerTasks>(SERVER, ['server']);
  try {
    log(`importing a generated catalog of ${config.artists} artists`);
    const catalog = await importCatalog(database.url, config.artists);
    log(`imported ${describeCatalog(catalog)} in ${catalog.importSeconds.toFixed(1)} s; starting Chorus`);
    const { url } = await server.call('start', { env: serverEnv(database.url, redisPrefix), logFile: join(logDir, 'chorus.log') });
    const workload = await prepareWorkload(url, catalog, config);
    await quiet(server);
    log(`Chorus on ${url}: catalog read, account "${workload.userId}" with an app password, playlist of ${workload.playlistItems} songs`);
    const processes = { server, load, url, database: database.name };
    const runs: ScenarioRun[] = [];
    let profile: ProfileSummary | undefined;
    for (const scenario of scenarios(config)) {
      const perConnection = requestsFor(scenario, workload, config);
      const bytes = await checkRequests(url, scenario, perConnection);
      runs.push(await measure(processes, config, scenario, perConnection, bytes));
      if (config.profile === scenario.id) {
        const file = join(tmpdir(), `chorus-bench-subsonic-${scenario.id}-${Date.now()}.cpuprofile`);
        await measure(processes, config, scenario, perConnection, bytes, file);
        profile = await summarizeProfile(file);
      }
    }
    await server.call('stop', {});
    const report = buildReport(config, workload, runs, profile, { startedAt, machine, code });
    console.log(formatReport(report));
    await writeResults('subsonic', report);
  } finally {
    await server.stop();
    await load.stop();
    await database.drop();
    await deleteByPrefix(redisPrefix);
    await rm(logDir, { recursive: true, force: true });
  }
}

/** The environment of `npm start` for this run: real Postgres and Redis, no demo import (the catalog is in the store), no write limit. */
function serverEnv(databaseUrl: string, redisPrefix: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redisPrefix,
    CHORUS_DEMO_CATALOG: '0',
    CHORUS_RATE_LIMIT_WRITES: String(1_000_000_000),
    CHORUS_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    CHORUS_DEV_TOKEN_SECRET: randomBytes(32).toString('base64url'),
    CHORUS_ACCESS_TOKEN_TTL_SECONDS: String(4 * 3600),
    CHORUS_NODE_ID: 'bench-subsonic',
    LOG_LEVEL: 'warn',
    ...projectionsEnv(),
  };
}

interface Context {
  startedAt: Date;
  machine: Awaited<ReturnType<typeof beginRun>>['machine'];
  code: Awaited<ReturnType<typeof beginRun>>['code'];
}

type Report = ReturnType<typeof buildReport>;

function buildReport(config: Config, workload: Workload, runs: ScenarioRun[], profile: ProfileSummary | undefined, context: Context) {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const targets = runs
    .filter((r) => r.api === 'subsonic')
    .map((r) => {
      const peer = r.peer ? byId.get(r.peer) : undefined;
      const p99 = r.result.latency.p99;
      const p99Ratio = peer ? p99 / peer.result.latency.p99 : Number.NaN;
      const throughputRatio = peer ? peer.result.perSecond / r.result.perSecond : Number.NaN;
      const failed = r.result.non2xx + r.result.errors + r.result.timeouts;
      const p99Met = p99 < P99_TARGET_MS;
      const peerMet = p99Ratio <= PEER_RATIO_TARGET && throughputRatio <= PEER_RATIO_TARGET;
      return {
        scenario: r.id,
        label: r.label,
        peer: peer?.label,
        perSecond: r.result.perSecond,
        p99Ms: p99,
        peerPerSecond: peer?.result.perSecond ?? Number.NaN,
        peerP99Ms: peer?.result.latency.p99 ?? Number.NaN,
        /** Subsonic p99 / peer p99, and peer req/s / Subsonic req/s: at most 1.5 each. */
        p99Ratio,
        throughputRatio,
        failed,
        p99Met,
        peerMet,
        met: p99Met && peerMet && failed === 0,
      };
    });
  return {
    benchmark: 'subsonic',
    date: context.startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - context.startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100),
    settings: config,
    machine: context.machine,
    code: context.code,
    workload: {
      catalog: { artists: workload.catalog.artists, albums: workload.catalog.albums, tracks: workload.catalog.tracks, importSeconds: workload.catalog.importSeconds },
      account: 'one local account; every Subsonic call signed with u, t = md5(app password + salt), s (20 salts per connection)',
      playlistItems: workload.playlistItems,
      albumPages: `getAlbumList2 size=${config.page}, offsets 0..${9 * config.page} (10 pages per connection); /v1/browse/new-releases limit=${config.page} (no offset)`,
    },
    method: [
      'Chorus runs in a process of its own (bench/http/server.ts: loadConfig + startChorus, as npm start) on a fresh Postgres database and a Redis key prefix of its own, LOG_LEVEL=warn, projections in the same process; the catalog is written to the store before it starts (the demo generator at BENCH_SUBSONIC_ARTISTS artists).',
      (config.client === 'lean'
        ? 'The lean load generator in a second process (bench/subsonic/lean-load.ts: plain sockets, each answer read to its Content-Length, the body skipped, not decoded): '
        : 'autocannon in a second process (bench/http/load.ts): ') +
        `${config.connections} keep-alive connections, closed loop, no pipelining; ${config.seconds} s measured after ${config.warmupSeconds} s of warm-up with the same requests; the server is let go quiet between runs.`,
      'A Subsonic failure is an HTTP 200 with status "failed": before each run the distinct requests of two connections are sent once and must answer status "ok" with results.',
      'The /v1 routes use the same account (its access token) and the same read models; they keep whole answers per read-model version (application/read-cache.ts). The Subsonic methods keep whole answers as bytes per format, per user where they show stars and play counts, per version of every read model they show (subsonic/answers.ts); each call is still signed with a fresh salt and checked (md5), against the app password a right sign-in of the same name from the same address read within the last 2 s (no Postgres or Redis round trip then).',
      'Targets per Subsonic run: p99 < 20 ms, p99 <= 1.5x the /v1 peer\'s and requests/s >= the peer\'s / 1.5, no failed request.',
    ],
    results: runs,
    profile,
    targets,
    allTargetsMet: targets.every((t) => t.met),
  };
}

function formatReport(report: Report): string {
  const rows = report.results.map((r) => [
    r.label,
    formatRate(r.result.perSecond),
    formatMs(r.result.latency.p50),
    formatMs(r.result.latency.p99),
    formatMs(r.result.latency.max),
    String(r.result.non2xx + r.result.errors + r.result.timeouts),
    formatRate(r.answerBytes),
    r.sqlPerRequest.toFixed(1),
    formatRate(r.cpu.serverMicrosPerRequest),
    formatRate(r.cpu.postgresMicrosPerRequest),
    r.cpu.server.toFixed(2),
    `${Math.round(r.cpu.serverEventLoop * 100)}%`,
    r.cpu.loadGenerator.toFixed(2),
    r.cpu.postgres.toFixed(2),
    r.cpu.rest.toFixed(2),
  ]);
  const targetRows = report.targets.map((t) => [
    t.label,
    `${formatRate(t.perSecond)}/s, p99 ${formatMs(t.p99Ms)} ms`,
    t.peer ? `${formatRate(t.peerPerSecond)}/s, p99 ${formatMs(t.peerP99Ms)} ms` : 'n/a',
    formatRatio(t.p99Ratio),
    formatRatio(t.throughputRatio),
    t.p99Met ? 'yes' : 'NO',
    t.peerMet ? 'yes' : 'NO',
  ]);
  const { machine } = report;
  const lines = [
    `OpenSubsonic benchmark, ${report.date} (${report.durationSeconds} s)`,
    `Machine: ${machine.cpuCount} CPUs, load ${machine.loadAverage.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end; Node ${machine.node}; PostgreSQL ${machine.postgres}`,
    `Load generator: ${report.settings.client === 'lean' ? 'lean (plain sockets, bodies skipped)' : 'autocannon'}`,
    `Code: commit ${report.code.commit}` + (report.code.uncommitted.length > 0 ? ` (uncommitted: ${report.code.uncommitted.join(', ')})` : ''),
    `Catalog: ${report.workload.catalog.artists} artists, ${report.workload.catalog.albums} albums, ${report.workload.catalog.tracks} tracks; playlist of ${report.workload.playlistItems} songs; ` +
      `${report.settings.connections} connections, ${report.settings.seconds} s after ${report.settings.warmupSeconds} s warm-up`,
    '',
    formatTable(['route', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'failed', 'bytes', 'SQL/req', 'server µs/req', 'pg µs/req', 'server cores', 'loop', 'load cores', 'pg cores', 'rest cores'], rows),
    '',
    formatTable(['Subsonic', 'actual', '/v1 peer', 'p99 ratio', 'req/s ratio', `p99 < ${P99_TARGET_MS} ms`, `<= ${PEER_RATIO_TARGET}x peer`], targetRows),
  ];
  if (report.profile) {
    const share = (s: { name: string; share: number }) => `${(s.share * 100).toFixed(1).padStart(5)}%  ${s.name}`;
    lines.push('', `CPU profile of the server (${report.profile.samples} samples, ${report.profile.file})`, '  by area:', ...report.profile.byArea.map((s) => `    ${share(s)}`), '  top functions:', ...report.profile.topFunctions.map((s) => `    ${share(s)}`));
  }
  lines.push('', 'Method:', ...report.method.map((note) => `  - ${note}`));
  return lines.join('\n');
}
