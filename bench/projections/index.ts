/**
 * The projections benchmark: a generated history of BENCH_EVENTS events (history.ts), rebuilt by
 * every projection at once, and the append-to-visible lag at a steady rate. See README.md here.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { deleteByPrefix } from '../../tests/support/redis.js';
import { CpuProfiler } from '../lib/cpu-profiler.js';
import { log, writeResults } from '../lib/results.js';
import { spawnChild } from '../lib/rpc.js';
import { beginRun } from '../lib/run-context.js';
import { readConfig } from './config.js';
import { measureLag } from './lag.js';
import { openNode } from './node.js';
import type { Tasks } from './protocol.js';
import { measureReads, measureRebuild } from './rebuild.js';
import { processGroups } from './usage.js';
import { buildReport, formatReport } from './report.js';

const WORKER = new URL('./worker.ts', import.meta.url);
/** The code under test: the projections, the store they read, the clients they write with. */
const MEASURED_SOURCES = ['projections', 'gateways/event-store', 'gateways/sql', 'gateways/cache'];

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  const database = await createTestDatabase('bench_projections');
  const redisKeyPrefix = `chorus-bench:projections:${randomBytes(5).toString('hex')}:`;
  const history = await spawnChild<Tasks>(WORKER, ['history']);
  try {
    log(`history: generating and loading ${config.events} events`);
    const loaded = await history.call('load', {
      url: database.url,
      events: config.events,
      seed: config.seed,
      days: config.days,
      endMs: Date.now(),
      writers: config.loadWriters,
    });
    log(`history: loaded in ${loaded.loadSeconds.toFixed(1)} s`);
    const vacuumSeconds = await vacuumAnalyze(database.url);
    const groups = processGroups(loaded.pid);
    const node = await openNode(database.url, redisKeyPrefix);
    try {
      const head = await node.store.headPosition();
      const reads = await measureReads(node.store, node.phases.projections, config.events, groups);
      const rebuild = await profiled('rebuild', () => measureRebuild(node, head, loaded.counts, groups));
      const lag = await profiled('lag', () => measureLag(node, history, config, groups));
      const report = buildReport(config, machine, code, { load: { ...loaded, vacuumSeconds }, reads, rebuild, lag }, startedAt);
      console.log(formatReport(report));
      await writeResults('projections', report);
    } finally {
      await node.close();
    }
  } finally {
    await history.stop();
    await database.drop();
    await deleteByPrefix(redisKeyPrefix);
  }
}

/** As a store that has run for a while is: statistics fresh, hint bits set, nothing left for autovacuum. */
async function vacuumAnalyze(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, application_name: 'chorus-bench-vacuum' });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('vacuum (analyze)');
    return (performance.now() - started) / 1_000;
  } finally {
    await client.end();
  }
}

/**
 * BENCH_PROJECTIONS_PROFILE_DIR: the node's V8 CPU profile of each measured phase (`rebuild.cpuprofile`,
 * `lag.cpuprofile`). The node runs in this process, so the profile is this process's.
 */
async function profiled<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROJECTIONS_PROFILE_DIR;
  if (!dir) return work();
  const profiler = new CpuProfiler();
  await profiler.start();
  try {
    return await work();
  } finally {
    await profiler.stop(join(dir, `${phase}.cpuprofile`));
  }
}
