/**
 * The HTTP benchmark: Chorus as a server process on the Postgres event store, driven by
 * autocannon from another process. Plays (writes), a playlist and search (reads), and a trivial
 * GET /healthz as the Fastify floor, with the CPU each process used. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { TEST_REDIS_URL, deleteByPrefix } from '../../tests/support/redis.js';
import { spawnChild, type Child } from '../lib/rpc.js';
import { beginRun } from '../lib/run-context.js';
import { SCENARIOS, readConfig, type Config } from './config.js';
import { measure, type ScenarioRun } from './measure.js';
import { summarizeProfile } from './profile.js';
import type { LoadTasks, ServerTasks } from './protocol.js';
import { buildReport, formatReport, type Profiled } from './report.js';
import { prepareWorkload, type Workload } from './workload.js';

const RESULTS_FILE = new URL('../results/http.json', import.meta.url);
const SERVER = new URL('./server.ts', import.meta.url);
const LOAD = new URL('./load.ts', import.meta.url);
/** The code under test: everything a request goes through. */
const MEASURED_SOURCES = ['app', 'application', 'http', 'domain', 'gateways', 'projections'];

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  const database = await createTestDatabase('bench_http');
  const redisPrefix = `chorus-bench:http:${randomBytes(5).toString('hex')}:`;
  const logDir = await mkdtemp(join(tmpdir(), 'chorus-bench-http-'));
  const secret = randomBytes(32).toString('base64url');
  const load = await spawnChild<LoadTasks>(LOAD, ['load']);
  try {
    const runs: ScenarioRun[] = [];
    let workload: Workload | undefined;
    let profiled: Profiled | undefined;
    await withServer(serverEnv(database.url, redisPrefix, secret), join(logDir, 'chorus.log'), async (server, url) => {
      workload = await setUp(url, config);
      const processes = { server, load, url, database: database.name };
      for (const scenario of SCENARIOS) {
        // The log levels back to back, on the same server: a paired comparison.
        for (const level of config.infoPass ? LOG_LEVELS : LOG_LEVELS.slice(0, 1)) {
          await server.call('setLogLevel', { level });
          runs.push(await measure(processes, config, workload, scenario, level));
          if (config.profile === scenario && level === 'warn') {
            const file = join(tmpdir(), `chorus-bench-http-${scenario}-${Date.now()}.cpuprofile`);
            const run = await measure(processes, config, workload, scenario, level, file);
            profiled = { run, summary: await summarizeProfile(file) };
          }
        }
      }
    });
    const report = buildReport(config, machine, code, workload!, runs, profiled, startedAt);
    console.log(formatReport(report));
    console.log(JSON.stringify(report, jsonNumbers));
    await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(report, jsonNumbers, 2)}\n`);
    log(`wrote ${RESULTS_FILE.pathname}`);
  } finally {
    await load.stop();
    await database.drop();
    await deleteByPrefix(redisPrefix);
    await rm(logDir, { recursive: true, force: true });
  }
}

/** warn: production (no request logs), measured against the targets; info: request logs on. */
const LOG_LEVELS = ['warn', 'info'] as const;

/** The environment of `npm start` for this run: real Postgres and Redis, demo catalog, no write limit. */
function serverEnv(databaseUrl: string, redisPrefix: string, secret: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redisPrefix,
    CHORUS_DEMO_CATALOG: '1',
    CHORUS_RATE_LIMIT_WRITES: String(1_000_000_000),
    CHORUS_DEV_TOKEN_SECRET: secret,
    CHORUS_NODE_ID: 'bench-http',
    LOG_LEVEL: LOG_LEVELS[0],
  };
}

async function withServer(env: Record<string, string>, logFile: string, work: (server: Child<ServerTasks>, url: string) => Promise<void>): Promise<void> {
  const server = await spawnChild<ServerTasks>(SERVER, ['server']);
  try {
    const { url } = await server.call('start', { env, logFile });
    log(`Chorus listening on ${url}`);
    await work(server, url);
    await server.call('stop', {});
  } finally {
    await server.stop();
  }
}

async function setUp(url: string, config: Config): Promise<Workload> {
  log(`creating ${config.users} users, a playlist; waiting for the catalog read model`);
  const workload = await prepareWorkload(url, config.users);
  const empty = Object.entries(workload.searchHits).filter(([, hits]) => hits === 0);
  if (empty.length > 0) log(`warning: search terms without results: ${empty.map(([term]) => term).join(', ')}`);
  return workload;
}

/** Rounds figures for the JSON output: whole requests/s, everything else to 0.01. */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value)) return value;
  if (!Number.isFinite(value)) return null;
  return Math.abs(value) >= 1_000 ? Math.round(value) : Math.round(value * 100) / 100;
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}
