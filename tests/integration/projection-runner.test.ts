/**
 * The projection machinery on real Postgres and Redis, with small projections made for the test:
 * catch-up then live, checkpoints with the writes, one runner per generation, poison events skipped
 * (and broken projections stopped),
 * read-your-writes past filtered events and from another instance, and rebuilds into a new generation.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { Cache } from '../../gateways/cache/port.js';
import { RedisCache } from '../../gateways/cache/redis.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { Projections, ProjectionsBehindError } from '../../projections/manager.js';
import type { CacheProjection, SqlProjection } from '../../projections/projection.js';
import { listPoison } from '../../projections/poison.js';
import { ensureRegistry, listGenerations } from '../../projections/registry.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '../support/redis.js';

/**
 * What the code under test logs (info and up) is kept and printed when a test fails, so that a
 * failure seen only in a busy CI run says what the runners did (TEST_LOG_LEVEL logs to stdout instead).
 */
const logged: string[] = [];
const logger = process.env.TEST_LOG_LEVEL ? pino({ level: process.env.TEST_LOG_LEVEL }) : pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
beforeEach(() => {
  logged.length = 0;
  onTestFailed(() => console.error(`what the failed test logged:\n${logged.join('')}`));
});

/**
 * Counts Ticked events per stream. Poison: an event whose data says `poison` (the code throws), or
 * whose `count` is not a number (Postgres refuses the value); `broken` runs SQL that cannot run.
 */
const counter = (version = 1): SqlProjection => ({
  kind: 'sql',
  name: 'ticks',
  version,
  handles: ['Ticked'],
  tables: { ticks: (t) => `create table ${t} (stream text primary key, n int not null, total int not null)` },
  async apply(tx, events, tables) {
    for (const e of events) {
      if (e.data.poison) throw new Error('cannot count this');
      if (e.data.broken) await tx.query('select * from no_such_table');
      if (e.data.count !== undefined) await tx.query(`select $1::int`, [String(e.data.count)]);
      await tx.query(
        `insert into ${tables.ticks} (stream, n, total) values ($1, 1, $2)
           on conflict (stream) do update set n = ${tables.ticks}.n + 1, total = ${tables.ticks}.total + excluded.total`,
        [e.stream, Number(e.data.amount ?? 1) * version],
      );
    }
  },
});

const cacheCounter: CacheProjection = {
  kind: 'cache',
  name: 'tick-cache',
  version: 1,
  handles: ['Ticked'],
  apply(writer, events, key) {
    for (const e of events) {
      if (e.data.poison) throw new Error('cannot count this either');
      writer.zIncrBy(key('by-stream'), 1, e.stream);
    }
  },
};

const tick = (amount = 1, extra: Record<string, unknown> = {}): NewEvent => ({ id: uuidv7(), type: 'Ticked', data: { amount, ...extra } as NewEvent['data'] });
const other = (): NewEvent => ({ id: uuidv7(), type: 'Ignored', data: {} });

async function until(predicate: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each([
  ['redis', async (redis: TestRedis): Promise<Cache> => new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redis.prefix })],
  ['memory', async (): Promise<Cache> => new MemoryCache()],
])('projection runner (cache on %s)', (_label, makeCache) => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;
  let redis: TestRedis;
  let cache: Cache;

  beforeAll(async () => {
    db = await createTestDatabase('proj');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql);
    redis = await createTestRedis('proj');
    cache = await makeCache(redis);
  });
  afterAll(async () => {
    await cache.close();
    await redis.cleanup();
    await store.close();
    await sql.close();
    await db.drop();
  });

  it('catches up, goes live, keeps SQL and cache read models exactly in step, and answers read-your-writes', async () => {
    await store.append('tick-a', [tick(), tick(2), other()]);
    const projections = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter(), cacheCounter]);
    await projections.start();
    try {
      const last = await store.append('tick-b', [tick(5)]);
      await projections.waitFor(['ticks', 'tick-cache'], last.position, 5_000);
      expect(await sql.query('select stream, n, total from ticks order by stream')).toEqual([
        { stream: 'tick-a', n: 2, total: 3 },
        { stream: 'tick-b', n: 1, total: 5 },
      ]);
      const keys = projections.cacheKeys('tick-cache');
      expect(await cache.zRevRangeWithScores(keys('by-stream'), 0, -1)).toEqual([
        { member: 'tick-a', score: 2 },
        { member: 'tick-b', score: 1 },
      ]);
      // An event neither projection handles still counts as passed for read-your-writes.
      const ignored = await store.append('tick-c', [other()]);
      await projections.waitFor(['ticks', 'tick-cache'], ignored.position, 5_000);
      // A position nobody has written yet cannot be reached.
      const future = `${BigInt(ignored.position.split(':')[0]!) + 1_000_000n}:1`;
      await expect(projections.waitFor(['ticks'], future, 200)).rejects.toBeInstanceOf(ProjectionsBehindError);
    } finally {
      await projections.stop();
    }
  });

  it('resumes from its checkpoint after a restart without applying anything twice', async () => {
    const first = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter(), cacheCounter]);
    await first.start();
    const head = (await store.append('tick-d', [tick(), tick()])).position;
    await first.waitFor(['ticks', 'tick-cache'], head, 5_000);
    await first.stop();
    const last = (await store.append('tick-d', [tick()])).position;
    const second = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter(), cacheCounter]);
    await second.start();
    try {
      await second.waitFor(['ticks', 'tick-cache'], last, 5_000);
      expect(await sql.query(`select n from ticks where stream = 'tick-d'`)).toEqual([{ n: 3 }]);
      expect(await cache.zScore(second.cacheKeys('tick-cache')('by-stream'), 'tick-d')).toBe(3);
    } finally {
      await second.stop();
    }
  });

  it('answers a caller in another instance up to the last of quick batches of a cache projection, and counts each event once', async () => {
    // The cache holds the checkpoint; the registry's copy is what a process without the runner
    // waits on (and what status shows): it is written at most once a second, and always the last.
    await ensureRegistry(sql);
    const stored = async () => (await listGenerations(sql, 'tick-cache')).find((g) => g.status === 'active');
    const before = (await stored())?.eventsApplied ?? 0;
    const a = new Projections({ store, sql, cache, logger, pollMs: 100 }, [cacheCounter]);
    const b = new Projections({ store, sql, cache, logger, pollMs: 100 }, [cacheCounter]);
    await a.start();
    await until(async () => (await a.status())[0]!.generations[0]!.runner?.state === 'running');
    await b.start();
    try {
      await until(async () => (await b.status())[0]!.generations[0]!.runner?.state === 'waiting-for-lock');
      let last = '';
      for (let i = 0; i < 4; i += 1) {
        last = (await store.append('tick-i', [tick()])).position;
        await a.waitFor(['tick-cache'], last, 5_000);
      }
      // b runs no runner: it waits on the registry's copy.
      await b.waitFor(['tick-cache'], last, 5_000);
      expect(await cache.zScore(b.cacheKeys('tick-cache')('by-stream'), 'tick-i')).toBe(4);
      await a.stop();
      expect((await stored())!.eventsApplied - before).toBe(4);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('runs one runner per generation across instances, and the other takes over when it stops', async () => {
    const a = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter()]);
    const b = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter()]);
    await a.start();
    await b.start();
    try {
      const head = (await store.append('tick-e', Array.from({ length: 50 }, () => tick()))).position;
      await a.waitFor(['ticks'], head, 5_000);
      const states = async () => [...(await a.status()), ...(await b.status())].flatMap((s) => s.generations.map((g) => g.runner?.state));
      await until(async () => (await states()).filter((s) => s === 'waiting-for-lock').length === 1);
      expect((await states()).filter((s) => s === 'running')).toHaveLength(1);
      await a.stop();
      const last = (await store.append('tick-e', [tick()])).position;
      await b.waitFor(['ticks'], last, 10_000);
      expect(await sql.query(`select n from ticks where stream = 'tick-e'`)).toEqual([{ n: 51 }]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('skips a poison event: the events around it are applied, it is recorded, counted and logged, and the projection goes on', async () => {
    const projections = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter(), cacheCounter]);
    await projections.start();
    try {
      await store.append('tick-f', [tick(), tick(1, { poison: true }), tick(), tick(1, { count: 'many' }), tick()]);
      const appended = await store.append('tick-f2', [tick()]);
      const [, poison, , refused] = await collectStream(store, 'tick-f');
      await projections.waitFor(['ticks', 'tick-cache'], appended.position, 10_000);
      expect(await sql.query(`select n from ticks where stream = 'tick-f'`)).toEqual([{ n: 3 }]);
      expect(await sql.query(`select n from ticks where stream = 'tick-f2'`)).toEqual([{ n: 1 }]);
      const recorded = await listPoison(sql, 'ticks');
      expect(recorded.map((r) => r.eventId)).toEqual([poison!.id, refused!.id]);
      expect(recorded[0]!.summary).toMatch(/could not read the event/);
      // What an operator may show anyone: the SQLSTATE, never SQL text or the value.
      expect(recorded[1]!.summary).toBe('database refused a value (SQLSTATE 22P02)');
      const status = (await projections.status()).find((p) => p.name === 'ticks')!;
      const active = status.generations.find((g) => g.status === 'active')!;
      expect(active.runner?.state).toBe('running');
      expect(active.poisoned).toBe(2);
      expect(active.runner?.poisoned).toBe(2);
      // The cache projection skips its own poison (the same event) and counts the rest.
      expect(await cache.zScore(projections.cacheKeys('tick-cache')('by-stream'), 'tick-f')).toBe(4);
      expect((await listPoison(sql, 'tick-cache')).map((r) => r.eventId)).toEqual([poison!.id]);
    } finally {
      await projections.stop();
    }
  });

  it('keeps two SQL projections committing together apart: one skips its poison event, the other applies every event', async () => {
    // A second SQL projection of the same events, poisoned by another marker: at the head their
    // small batches share a transaction (commit-group.ts); a poison event fails only its own.
    const tocks: SqlProjection = {
      kind: 'sql',
      name: 'tocks',
      version: 1,
      handles: ['Ticked'],
      tables: { tocks: (t) => `create table ${t} (stream text primary key, n int not null)` },
      async apply(tx, events, tables) {
        for (const e of events) {
          if (e.data.poisonTocks) throw new Error('tocks cannot count this');
          await tx.query(`insert into ${tables.tocks} (stream, n) values ($1, 1) on conflict (stream) do update set n = ${tables.tocks}.n + 1`, [e.stream]);
        }
      },
    };
    const projections = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter(), tocks]);
    await projections.start();
    try {
      const caughtUp = await store.append('tick-h0', [tick()]);
      await projections.waitFor(['ticks', 'tocks'], caughtUp.position, 5_000);
      // Live, one event at a time, as the API appends.
      let last = caughtUp.position;
      for (const extra of [{}, { poisonTocks: true }, {}, { poison: true }, {}]) last = (await store.append('tick-h', [tick(1, extra)])).position;
      await projections.waitFor(['ticks', 'tocks'], last, 10_000);
      expect(await sql.query(`select n from ticks where stream = 'tick-h'`)).toEqual([{ n: 4 }]);
      expect(await sql.query(`select n from tocks where stream = 'tick-h'`)).toEqual([{ n: 4 }]);
      const events = await collectStream(store, 'tick-h');
      expect((await listPoison(sql, 'ticks')).map((r) => r.eventId)).toContain(events[3]!.id);
      expect((await listPoison(sql, 'tocks')).map((r) => r.eventId)).toEqual([events[1]!.id]);
      const states = (await projections.status()).flatMap((p) => p.generations.map((g) => g.runner?.state));
      expect(states).toEqual(['running', 'running']);
      const checkpoints = (await listGenerations(sql)).filter((g) => g.name === 'ticks' || g.name === 'tocks').map((g) => g.checkpoint);
      expect(checkpoints.map((c) => store.comparePositions(c!, last) >= 0)).toEqual([true, true]);
    } finally {
      await projections.stop();
    }
  });

  it('stops a broken projection (SQL that cannot run), keeping the events before it, and names the event', async () => {
    const projections = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counter(), cacheCounter]);
    await projections.start();
    try {
      const appended = await store.append('tick-broken', [tick(), tick(1, { broken: true }), tick()]);
      const broken = (await collectStream(store, 'tick-broken'))[1]!;
      await until(async () => (await projections.status()).some((s) => s.name === 'ticks' && s.generations.some((g) => g.runner?.state === 'failed')));
      expect(await sql.query(`select n from ticks where stream = 'tick-broken'`)).toEqual([{ n: 1 }]);
      const [generation] = (await listGenerations(sql, 'ticks')).filter((g) => g.status === 'active');
      expect(generation!.error).toMatch(/no_such_table/);
      expect(generation!.errorEvent).toContain(broken.id);
      // The other projection goes on.
      await projections.waitFor(['tick-cache'], appended.position, 5_000);
      expect(await cache.zScore(projections.cacheKeys('tick-cache')('by-stream'), 'tick-broken')).toBe(3);
    } finally {
      await projections.stop();
    }
  });
});

describe('projection rebuilds (generations)', () => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('rebuild');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql);
  });
  afterAll(async () => {
    await store.close();
    await sql.close();
    await db.drop();
  });

  it('builds a new version beside the old one, switches the view when caught up, and drops the old tables', async () => {
    const cache = new MemoryCache();
    const first = await store.append('tick-g', [tick(1), tick(2)]);
    const v1 = new Projections({ store, sql, cache, logger, pollMs: 50, retiredGraceMs: 0 }, [counter(1)]);
    await v1.start();
    await v1.waitFor(['ticks'], first.position, 5_000);
    await v1.stop();
    expect(await sql.query(`select total from ticks where stream = 'tick-g'`)).toEqual([{ total: 3 }]);

    // Version 2 doubles the totals: until it has caught up, the view keeps serving version 1.
    const v2 = new Projections({ store, sql, cache, logger, pollMs: 50, retiredGraceMs: 0 }, [counter(2)]);
    await v2.start();
    try {
      await until(async () => (await listGenerations(sql, 'ticks')).some((g) => g.version === 2 && g.status === 'active'));
      expect(await sql.query(`select total from ticks where stream = 'tick-g'`)).toEqual([{ total: 6 }]);
      await until(async () => (await listGenerations(sql, 'ticks')).length === 1);
      const tables = await sql.query<{ table_name: string }>(`select table_name from information_schema.tables where table_name like 'ticks_g%' and table_type = 'BASE TABLE'`);
      expect(tables.map((t) => t.table_name)).toEqual(['ticks_g2']);
      const more = await store.append('tick-g', [tick(1)]);
      await v2.waitFor(['ticks'], more.position, 5_000);
      expect(await sql.query(`select total from ticks where stream = 'tick-g'`)).toEqual([{ total: 8 }]);
    } finally {
      await v2.stop();
    }
  });
});

async function collectStream(store: PostgresEventStore, stream: string) {
  const out = [];
  for await (const e of store.readStream(stream)) out.push(e);
  return out;
}
