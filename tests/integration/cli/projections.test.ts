/**
 * `chorus projections status|rebuild`, in process through runCli with projections made for the
 * test (the real list may be empty or change), on real Postgres and Redis; and the command as a
 * real process.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../app/cli-main.js';
import type { StatusReport } from '../../../cli/projections.js';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import type { NewEvent } from '../../../gateways/event-store/port.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { RedisCache } from '../../../gateways/cache/redis.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import type { SqlClient } from '../../../gateways/sql/port.js';
import type { CacheProjection, Projection, SqlProjection } from '../../../projections/projection.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '../../support/redis.js';
import { runChorusCli } from '../../support/cli.js';

/** Counts Ticked events per stream. */
const ticks: SqlProjection = {
  kind: 'sql',
  name: 'cli_ticks',
  version: 1,
  handles: ['Ticked'],
  tables: { cli_ticks: (t) => `create table ${t} (stream text primary key, n int not null)` },
  async apply(tx, events, tables) {
    for (const e of events) {
      await tx.query(`insert into ${tables.cli_ticks} (stream, n) values ($1, 1) on conflict (stream) do update set n = ${tables.cli_ticks}.n + 1`, [
        e.stream,
      ]);
    }
  },
};

const tickCache: CacheProjection = {
  kind: 'cache',
  name: 'cli-tick-cache',
  version: 1,
  handles: ['Ticked'],
  apply(writer, events, key) {
    for (const e of events) writer.zIncrBy(key('by-stream'), 1, e.stream);
  },
};

/** Runs SQL that cannot run: a broken projection, which stops. */
const broken: SqlProjection = {
  kind: 'sql',
  name: 'cli_broken',
  version: 1,
  handles: ['Ticked'],
  tables: { cli_broken: (t) => `create table ${t} (id int)` },
  async apply(tx) {
    await tx.query('select * from cli_no_such_table');
  },
};

/** Cannot read one kind of tick (a poison event, skipped); counts the others. */
const picky: SqlProjection = {
  kind: 'sql',
  name: 'cli_picky',
  version: 1,
  handles: ['Ticked'],
  tables: { cli_picky: (t) => `create table ${t} (id text primary key)` },
  async apply(tx, events, tables) {
    for (const e of events) {
      if (e.data.odd) throw new Error('cannot handle an odd tick');
      await tx.query(`insert into ${tables.cli_picky} (id) values ($1)`, [e.id]);
    }
  },
};

const projections: Projection[] = [ticks, tickCache];

const tick = (): NewEvent => ({ id: uuidv7(), type: 'Ticked', data: {} });
const other = (): NewEvent => ({ id: uuidv7(), type: 'Ignored', data: {} });

/** Readers see an event once no transaction that began before it is running (anywhere on the server). */
async function visible(store: PostgresEventStore, position: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (store.comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error(`position ${position} did not become visible`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { env: Record<string, string>; projections?: Projection[]; cache?: RedisCache }): Promise<Result> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli(argv, {
    env: { LOG_LEVEL: 'warn', ...options.env },
    projections: options.projections ?? projections,
    cache: options.cache,
    stdout,
    stderr,
  });
  return { code, stdout: out, stderr: err };
}

describe('chorus projections', () => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;
  let redis: TestRedis;
  let cache: RedisCache;
  let env: Record<string, string>;

  const status = async () => {
    const result = await cli(['projections', 'status', '--json'], { env, cache });
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as StatusReport;
  };

  beforeAll(async () => {
    db = await createTestDatabase('cli_proj');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql);
    redis = await createTestRedis('cli-proj');
    cache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redis.prefix });
    env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL };
    await store.append('clock-a', [tick(), tick(), other(), tick()]);
    await visible(store, (await store.append('clock-b', [tick(), other(), tick()])).position);
  });

  afterAll(async () => {
    await cache?.close();
    await redis?.cleanup();
    await store?.close();
    await sql?.close();
    await db?.drop();
  });

  it('status lists every projection, with no generation before any has run', async () => {
    const report = await status();
    expect(report.head).toBe(await store.headPosition());
    expect(report.projections).toEqual([
      { name: 'cli_ticks', kind: 'sql', codeVersion: 1, generations: [] },
      { name: 'cli-tick-cache', kind: 'cache', codeVersion: 1, generations: [] },
    ]);
    const table = await cli(['projections', 'status'], { env, cache });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^store head: \d+:\d+\nNAME +KIND +CODE V +GEN +STATUS/);
    expect(table.stdout).toMatch(/cli_ticks +sql +1 +- +not started/);
  });

  it('rebuild builds a generation from the first event, reports progress on stderr, and prints the generation', async () => {
    const result = await cli(['projections', 'rebuild', 'cli_ticks'], { env, cache });
    expect(result.stderr).toMatch(/rebuild cli_ticks \(generation 1\): 5 events applied, [\d,]+ events\/s, at \d+:\d+ of head \d+:\d+/);
    expect(result.code).toBe(0);
    const generation = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(generation).toMatchObject({ name: 'cli_ticks', generation: 1, version: 1, kind: 'sql', status: 'active', eventsApplied: 5, error: null });
    expect(await sql.query('select stream, n from cli_ticks order by stream')).toEqual([
      { stream: 'clock-a', n: 3 },
      { stream: 'clock-b', n: 2 },
    ]);

    const [row] = (await status()).projections;
    expect(row!.generations).toHaveLength(1);
    expect(row!.generations[0]).toMatchObject({ generation: 1, status: 'active', checkpointSource: 'registry', lag: { atHead: true, eventsBehind: 0 } });
  });

  it('status shows how many events a generation is behind the head', async () => {
    await visible(store, (await store.append('clock-c', [tick(), other(), tick()])).position);
    const [row] = (await status()).projections;
    expect(row!.generations[0]!.lag).toEqual({ atHead: false, eventsBehind: 3, eventsBehindCapped: false });
    const table = await cli(['projections', 'status'], { env, cache });
    expect(table.stdout).toMatch(/cli_ticks +sql +1 +1 +active +1 +\d+:\d+ +5 +3 behind/);
  });

  it('a second rebuild makes a new generation active and retires the old one', async () => {
    const result = await cli(['projections', 'rebuild', 'cli_ticks'], { env, cache });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ generation: 2, status: 'active', eventsApplied: 7 });
    const [row] = (await status()).projections;
    expect(row!.generations.map((g) => [g.generation, g.status])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ]);
    expect(row!.generations[1]!.lag.atHead).toBe(true);
    expect(await sql.query('select sum(n)::int as n from cli_ticks')).toEqual([{ n: 7 }]);
  });

  it('rebuilds a cache projection on Redis, whose checkpoint status reads from the cache itself', async () => {
    const result = await cli(['projections', 'rebuild', 'cli-tick-cache'], { env, cache });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'cli-tick-cache', kind: 'cache', status: 'active' });
    expect(await cache.zScore('chorus:rm:cli-tick-cache:g1:by-stream', 'clock-a')).toBe(3);
    const [, row] = (await status()).projections;
    const generation = row!.generations[0]!;
    expect(generation).toMatchObject({ checkpointSource: 'cache', lag: { atHead: true } });
    // Progress past the last event may carry the checkpoint beyond the head's event position.
    expect(store.comparePositions(generation.checkpoint!, await store.headPosition())).toBeGreaterThanOrEqual(0);
    expect(generation.checkpoint).toBe(await cache.get('chorus:rm:cli-tick-cache:g1:checkpoint'));
  });

  it('refuses to rebuild a cache projection in embedded mode (its cache lives in the server), with exit code 2', async () => {
    const result = await cli(['projections', 'rebuild', 'cli-tick-cache'], { env: { DATABASE_URL: db.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^chorus: projections rebuild: cli-tick-cache is a cache projection, and without REDIS_URL its cache lives in the memory of the Chorus server[^\n]*restart the server instead\n$/);
  });

  it('an unknown or missing name is a usage error listing the valid names', async () => {
    const unknown = await cli(['projections', 'rebuild', 'nope'], { env, cache });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('chorus: projections rebuild: unknown projection "nope" (valid names: cli_ticks, cli-tick-cache)\n');
    const missing = await cli(['projections', 'rebuild'], { env, cache });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('valid names: cli_ticks, cli-tick-cache');
  });

  it('a rebuild of a broken projection exits 1 with the reason, and status shows the error', async () => {
    const result = await cli(['projections', 'rebuild', 'cli_broken'], { env, cache, projections: [broken] });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^chorus: rebuild of cli_broken failed: relation "cli_no_such_table" does not exist/m);
    const report = await cli(['projections', 'status', '--json'], { env, cache, projections: [broken] });
    const [row] = (JSON.parse(report.stdout) as StatusReport).projections;
    expect(row!.generations[0]).toMatchObject({ error: 'relation "cli_no_such_table" does not exist', lag: { atHead: false } });
  });

  it('a rebuild that meets a poison event skips it and succeeds; status lists the event skipped and why', async () => {
    const appended = await store.append('clock-odd', [tick(), { ...tick(), data: { odd: true } }, tick()]);
    await visible(store, appended.position);
    const odd = (await collect(store.readStream('clock-odd')))[1]!;
    const result = await cli(['projections', 'rebuild', 'cli_picky'], { env, cache, projections: [picky] });
    expect(result.code, result.stderr).toBe(0);
    expect(await sql.query('select count(*)::int as n from cli_picky')).toEqual([{ n: (await collect(store.readAll({ filter: { eventTypes: ['Ticked'] } }))).length - 1 }]);
    const report = await cli(['projections', 'status', '--json'], { env, cache, projections: [picky] });
    const [row] = (JSON.parse(report.stdout) as StatusReport).projections;
    expect(row!.generations[0]!.poison).toEqual([
      expect.objectContaining({ eventId: odd.id, stream: 'clock-odd', summary: expect.stringMatching(/could not read the event/), detail: 'cannot handle an odd tick' }),
    ]);
    const table = await cli(['projections', 'status'], { env, cache, projections: [picky] });
    expect(table.stdout).toContain(`skipped by cli_picky g1: Ticked ${odd.id} in clock-odd`);
  });

  it('runs as a process: status against the configured database', async () => {
    const { code, stdout, stderr } = await runChorusCli(['projections', 'status', '--json'], { DATABASE_URL: db.url, REDIS_URL: '', ESDB_URL: '' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as StatusReport;
    expect(report.head).toBe(await store.headPosition());
    expect(Array.isArray(report.projections)).toBe(true);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
