/**
 * Property: for any plays — random users, tracks, playedAt over the last 11 days, msPlayed around
 * the 30 s threshold — appended in random chunks (some before the runner starts, some while it
 * runs) and applied by the real runner in random batch sizes, the charts of every window and
 * every day, and the play counters, equal a brute-force count over the same plays. Day buckets
 * past their retention are empty; all-time keeps everything.
 *
 * One Postgres database per cache kind serves all runs. Each run gets a fresh cache (a new
 * in-process cache, or a new Redis key prefix) whose projection checkpoints start at the store's
 * head, so it sees only its own plays. Replay a failure with FC_SEED (and FC_PATH).
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent, Position } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { Cache } from '../../gateways/cache/port.js';
import { RedisCache } from '../../gateways/cache/redis.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { DAY_BUCKET_RETENTION_DAYS, chartsProjection, topTracks, type ChartWindow } from '../../projections/cache/charts.js';
import { playCounts, playCountsProjection, userPlayCount } from '../../projections/cache/play-counts.js';
import { compareMembers } from '../../gateways/cache/member-order.js';
import { Projections } from '../../projections/manager.js';
import { cacheKeyPrefix } from '../../projections/projection.js';
import { listGenerations } from '../../projections/registry.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { propertyParameters } from '../support/property.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '../support/redis.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const DAY_MS = 86_400_000;
const DAYS = 11;
const USERS = ['u1', 'u2', 'u3'];
const TRACKS = ['t1', 't2', 't3', 't4', 't5', 'T6', 'album:7.b', 't10'];
const projectionsUnderTest = [chartsProjection, playCountsProjection];

interface GeneratedPlay {
  user: string;
  track: string;
  /** Days before today (UTC). */
  daysBack: number;
  msOfDay: number;
  msPlayed: number;
}

interface Scenario {
  plays: GeneratedPlay[];
  batchSize: number;
  /** The plays are appended in chunks of these sizes (the rest in one last chunk)... */
  chunks: number[];
  /** ...and this many chunks before the runner starts (it catches up), the others while it runs. */
  chunksBeforeStart: number;
  limit: number;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  plays: fc.array(
    fc.record({
      user: fc.constantFrom(...USERS),
      track: fc.constantFrom(...TRACKS),
      daysBack: fc.integer({ min: 0, max: DAYS - 1 }),
      msOfDay: fc.oneof(fc.integer({ min: 0, max: DAY_MS - 1 }), fc.constantFrom(0, DAY_MS - 1)),
      msPlayed: fc.oneof(fc.integer({ min: 29_990, max: 30_010 }), fc.integer({ min: 0, max: 400_000 })),
    }),
    { maxLength: 60 },
  ),
  batchSize: fc.integer({ min: 1, max: 25 }),
  chunks: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 5 }),
  chunksBeforeStart: fc.integer({ min: 0, max: 3 }),
  limit: fc.integer({ min: 1, max: 50 }),
});

/** What the charts must say, counted the obvious way. */
function bruteForce(plays: ReadonlyArray<{ track: string; day: number; msPlayed: number }>, days: readonly number[] | 'all', limit: number) {
  const counts = new Map<string, number>();
  const nowMs = Date.now();
  for (const play of plays) {
    if (play.msPlayed < 30_000) continue;
    if (days !== 'all') {
      if (!days.includes(play.day)) continue;
      // A day bucket lives until DAY_BUCKET_RETENTION_DAYS after its day ends.
      if (nowMs >= (play.day + 1 + DAY_BUCKET_RETENTION_DAYS) * DAY_MS) continue;
    }
    counts.set(play.track, (counts.get(play.track) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || compareMembers(b, a))
    .slice(0, limit)
    .map(([trackId, plays]) => `${trackId}=${plays}`);
}

describe.each(['memory', 'redis'] as const)('charts and play counts equal a brute-force count (cache on %s)', (kind) => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;
  let redis: TestRedis;
  let runs = 0;

  beforeAll(async () => {
    db = await createTestDatabase('charts_prop');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql);
    redis = await createTestRedis('charts-prop');
    // Creates the projections' generations once; every run then starts them on a fresh cache.
    const setup = new Projections({ store, sql, cache: new MemoryCache(), logger, pollMs: 60_000 }, projectionsUnderTest);
    await setup.start();
    await setup.stop();
  });
  afterAll(async () => {
    await redis?.cleanup();
    await store?.close();
    await sql?.close();
    await db?.drop();
  });

  const freshCache = (): Cache =>
    kind === 'memory' ? new MemoryCache() : new RedisCache({ url: TEST_REDIS_URL, keyPrefix: `${redis.prefix}run${(runs += 1)}:` });

  /**
   * The runner keeps a cache projection's checkpoint in the cache, at `<generation prefix>checkpoint`;
   * setting it to the head makes a fresh cache start there instead of replaying earlier runs.
   */
  async function startAtHead(cache: Cache, head: Position): Promise<string[]> {
    const generations = await listGenerations(sql);
    const keys: string[] = [];
    for (const projection of projectionsUnderTest) {
      const active = generations.find((g) => g.name === projection.name && g.status === 'active')!;
      const key = `${cacheKeyPrefix(projection.name, active.generation)}checkpoint`;
      expect(await cache.commit({ key, expected: null, next: head }, () => undefined)).toBe(true);
      keys.push(key);
    }
    return keys;
  }

  it('for random plays, appends and batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const today = Math.floor(Date.now() / DAY_MS);
        const plays = s.plays.map((p) => ({ ...p, day: today - p.daysBack, playedAt: new Date((today - p.daysBack) * DAY_MS + p.msOfDay).toISOString() }));
        const events: Array<[string, NewEvent]> = plays.map((p) => [
          `listens-${p.user}`,
          { id: uuidv7(), type: 'TrackPlayed', data: { userId: p.user, trackId: p.track, playedAt: p.playedAt, msPlayed: p.msPlayed } },
        ]);
        const chunks: Array<typeof events> = [];
        let from = 0;
        for (const size of s.chunks) chunks.push(events.slice(from, (from += size)));
        chunks.push(events.slice(from));

        const cache = freshCache();
        const projections = new Projections({ store, sql, cache, logger, pollMs: 60_000, batchSize: s.batchSize }, projectionsUnderTest);
        try {
          const head = await store.headPosition();
          const checkpointKeys = await startAtHead(cache, head);
          let last: Position | undefined;
          const appendChunk = async (chunk: typeof events) => {
            // Consecutive plays of one user go in one append, as a device uploading offline plays would.
            for (let i = 0; i < chunk.length; ) {
              let j = i + 1;
              while (j < chunk.length && chunk[j]![0] === chunk[i]![0]) j += 1;
              last = (await store.append(chunk[i]![0], chunk.slice(i, j).map(([, e]) => e))).position;
              i = j;
            }
          };
          for (const chunk of chunks.slice(0, s.chunksBeforeStart)) await appendChunk(chunk);
          await projections.start();
          for (const chunk of chunks.slice(s.chunksBeforeStart)) await appendChunk(chunk);
          if (last !== undefined) {
            await projections.waitFor(['charts', 'play-counts'], last, 20_000);
            // The runner really started at the seeded checkpoint (and moved it).
            for (const key of checkpointKeys) expect(store.comparePositions((await cache.get(key))!, head)).toBeGreaterThan(0);
          }

          const chartKeys = projections.cacheKeys('charts');
          const chart = async (window: ChartWindow, day: number, limit: number) =>
            (await topTracks(cache, chartKeys, { window, limit, now: new Date(day * DAY_MS + DAY_MS / 2) })).map((e) => `${e.trackId}=${e.plays}`);
          for (const limit of [s.limit, 50]) {
            expect(await chart('all', today, limit)).toEqual(bruteForce(plays, 'all', limit));
            for (let day = today - DAYS - 1; day <= today + 1; day += 1) {
              expect(await chart('day', day, limit), `day ${day - today}`).toEqual(bruteForce(plays, [day], limit));
              const week = Array.from({ length: 7 }, (_, back) => day - back);
              expect(await chart('week', day, limit), `week ending ${day - today}`).toEqual(bruteForce(plays, week, limit));
            }
          }

          const countKeys = projections.cacheKeys('play-counts');
          const counted = plays.filter((p) => p.msPlayed >= 30_000);
          expect(await playCounts(cache, countKeys, TRACKS)).toEqual(TRACKS.map((t) => counted.filter((p) => p.track === t).length));
          for (const user of USERS) {
            for (const track of TRACKS) {
              expect(await userPlayCount(cache, countKeys, user, track)).toBe(counted.filter((p) => p.user === user && p.track === track).length);
            }
          }
        } finally {
          await projections.stop();
          await cache.close();
        }
      }),
      propertyParameters(20),
    );
  });
});
