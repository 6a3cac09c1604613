/**
 * The orchestrator's plumbing: workers and their sessions, fresh databases per scenario,
 * interleaved repetitions, progress lines.
 */
import pg from 'pg';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { log } from '../lib/results.js';
import type { Child } from '../lib/rpc.js';
import { formatRate } from '../lib/table.js';
import type { Throughput } from '../lib/timing.js';
import type { Config } from './config.js';
import type { System, Tasks } from './protocol.js';

export type Worker = Child<Tasks>;
export type StoreSystem = Exclude<System, 'plain'>;
export const STORES: readonly StoreSystem[] = ['ours', 'peer'];

export interface Context {
  config: Config;
  workers: Record<System, Worker>;
  /** A second process per store, for subscribers that run apart from the writer. */
  listeners: Record<StoreSystem, Worker>;
}

/** events/s of each measured run, in run order. */
export type Runs<S extends string> = Record<S, number[]>;

/** Runs `run` for each system `reps` times, alternating systems; the first system rotates. */
export async function interleave<S extends string, T>(
  systems: readonly S[],
  reps: number,
  run: (system: S, rep: number) => Promise<T>,
): Promise<Record<S, T[]>> {
  const results = Object.fromEntries(systems.map((system) => [system, [] as T[]])) as Record<S, T[]>;
  for (let rep = 0; rep < reps; rep += 1) {
    for (let i = 0; i < systems.length; i += 1) {
      const system = systems[(rep + i) % systems.length]!;
      results[system].push(await run(system, rep));
    }
  }
  return results;
}

/** Opens the worker's system on `url` for the length of `work`. */
export async function session<T>(worker: Worker, url: string, poolSize: number, work: () => Promise<T>): Promise<T> {
  await worker.call('open', { url, poolSize });
  try {
    return await work();
  } finally {
    await worker.call('close', {});
  }
}

/**
 * A fresh database per system, filled with `preload` events through the system itself (batches
 * of 1,000), vacuumed and analysed, then dropped after `work`.
 */
export async function withDatabases<S extends System, T>(
  ctx: Context,
  systems: readonly S[],
  label: string,
  preload: number,
  work: (urls: Record<S, string>) => Promise<T>,
): Promise<T> {
  const databases = await Promise.all(systems.map((system) => createTestDatabase(`bench_${label}_${system}`)));
  try {
    const urls = Object.fromEntries(systems.map((system, i) => [system, databases[i]!.url])) as Record<S, string>;
    for (const system of systems) {
      log(`${label}: pre-loading ${formatRate(preload)} events into ${system}`);
      await session(ctx.workers[system], urls[system], ctx.config.poolSize, () =>
        ctx.workers[system].call('preload', { events: preload, batchSize: 1_000 }),
      );
      await vacuumAnalyze(urls[system]);
    }
    return await work(urls);
  } finally {
    await Promise.all(databases.map((database) => database.drop()));
  }
}

/** Fresh statistics (no plans made for empty tables) and no autovacuum pass due in the middle of a run. */
async function vacuumAnalyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'chorus-bench-analyze' });
  await client.connect();
  try {
    await client.query('vacuum (analyze)');
  } finally {
    await client.end();
  }
}

export function perSecond<S extends string>(runs: Record<S, Throughput[]>, label: string): Runs<S> {
  const entries = Object.entries(runs) as [S, Throughput[]][];
  for (const [system, values] of entries) {
    log(`${label}: ${system} ${values.map((value) => formatRate(value.perSecond)).join(', ')} events/s`);
  }
  return Object.fromEntries(entries.map(([system, values]) => [system, values.map((value) => value.perSecond)])) as Runs<S>;
}
