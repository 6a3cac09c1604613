/**
 * Recent plays on real Postgres (event store) and on Redis and the in-process cache: newest first,
 * short plays included, at most 50 per user (an offline play older than those falls off), and a
 * rebuild ends where the incremental run did, whatever the batching.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../gateways/event-store/port.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { RECENT_PLAYS_KEPT, recentPlays, recentPlaysProjection } from '../../../projections/cache/recent-plays.js';
import { Projections, rebuildProjection } from '../../../projections/manager.js';
import { cacheKeyPrefix } from '../../../projections/projection.js';
import { appendEach, openCacheWorld, type CacheWorld } from '../../support/cache-world.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

const openWorld = (kind: 'redis' | 'memory'): Promise<CacheWorld> => openCacheWorld('recent', kind);

const BASE = Date.parse('2026-03-01T00:00:00.000Z');
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

const played = (userId: string, trackId: string, playedAt: string, msPlayed = 60_000, context?: { type: string; id?: string }): [string, NewEvent] => [
  `listens-${userId}`,
  { id: uuidv7(), type: 'TrackPlayed', data: { userId, trackId, playedAt, msPlayed, ...(context ? { context } : {}) } },
];


describe.each(['redis', 'memory'] as const)('recent plays read model (cache on %s)', (kind) => {
  let world: CacheWorld;
  let projections: Projections | undefined;
  afterEach(async () => {
    await projections?.stop();
    projections = undefined;
    await world?.close();
  });

  async function start(batchSize?: number): Promise<Projections> {
    projections = new Projections({ store: world.store, sql: world.sql, cache: world.cache, logger, pollMs: 100, batchSize }, [recentPlaysProjection]);
    await projections.start();
    return projections;
  }

  it('lists a user\'s plays newest first, short ones included, with their context', async () => {
    world = await openWorld(kind);
    const p = await start();
    const last = await appendEach(world.store, [
      played('ann', 't1', at(0), 200_000),
      played('ann', 't2', at(10), 3_000, { type: 'playlist', id: 'p1' }), // a skip: history all the same
      played('bob', 't9', at(5)),
      played('ann', 't3', at(5), 45_000, { type: 'search' }), // arrives after a newer one
    ]);
    await p.waitFor(['recent-plays'], last, 10_000);
    const keys = p.cacheKeys('recent-plays');
    expect(await recentPlays(world.cache, keys, 'ann', 50)).toEqual([
      { trackId: 't2', playedAt: at(10), msPlayed: 3_000, context: { type: 'playlist', id: 'p1' } },
      { trackId: 't3', playedAt: at(5), msPlayed: 45_000, context: { type: 'search' } },
      { trackId: 't1', playedAt: at(0), msPlayed: 200_000 },
    ]);
    expect(await recentPlays(world.cache, keys, 'ann', 1)).toEqual([{ trackId: 't2', playedAt: at(10), msPlayed: 3_000, context: { type: 'playlist', id: 'p1' } }]);
    expect(await recentPlays(world.cache, keys, 'bob', 50)).toEqual([{ trackId: 't9', playedAt: at(5), msPlayed: 60_000 }]);
    expect(await recentPlays(world.cache, keys, 'nobody', 50)).toEqual([]);
    for (const limit of [0, 51]) {
      await expect(recentPlays(world.cache, keys, 'ann', limit)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('keeps the 50 newest plays: an offline play older than them falls off, a newer one pushes the oldest out', async () => {
    world = await openWorld(kind);
    const p = await start(16);
    // The same track twice at the same time is two plays.
    const plays = Array.from({ length: 60 }, (_, i) => played('ann', `t${i}`, at(100 + i)));
    plays.push(played('ann', 't59', at(159)));
    await p.waitFor(['recent-plays'], await appendEach(world.store, plays), 10_000);
    const keys = p.cacheKeys('recent-plays');
    const list = await recentPlays(world.cache, keys, 'ann', 50);
    expect(list).toHaveLength(RECENT_PLAYS_KEPT);
    expect(list.slice(0, 3).map((r) => r.trackId)).toEqual(['t59', 't59', 't58']);
    expect(list.at(-1)).toMatchObject({ trackId: 't11', playedAt: at(111) });

    await p.waitFor(['recent-plays'], await appendEach(world.store, [played('ann', 'old-offline', at(50))]), 10_000);
    expect(await recentPlays(world.cache, keys, 'ann', 50)).toEqual(list);

    await p.waitFor(['recent-plays'], await appendEach(world.store, [played('ann', 'newer-offline', at(130.5))]), 10_000);
    const after = await recentPlays(world.cache, keys, 'ann', 50);
    expect(after).toHaveLength(RECENT_PLAYS_KEPT);
    expect(after.map((r) => r.trackId)).toContain('newer-offline');
    expect(after.at(-1)).toMatchObject({ trackId: 't12', playedAt: at(112) });
  });

  it('rebuilds (in big batches) into exactly what the incremental run (small batches, live) built, ties at the cut included', async () => {
    world = await openWorld(kind);
    const users = ['ann', 'bob'];
    // Many plays share a playedAt, so which ones survive the cut depends on Redis's tie order.
    const plays = Array.from({ length: 170 }, (_, i) => played(users[i % 2]!, `t${i % 13}`, at((i * 7) % 40), 1_000 * (i % 90)));
    const p = await start(3);
    for (let i = 0; i < plays.length; i += 40) await p.waitFor(['recent-plays'], await appendEach(world.store, plays.slice(i, i + 40)), 10_000);
    const snapshot = (keys: (suffix: string) => string) => Promise.all(users.map((u) => recentPlays(world.cache, keys, u, 50)));
    const incremental = await snapshot(p.cacheKeys('recent-plays'));
    expect(incremental.map((list) => list.length)).toEqual([50, 50]);
    await p.stop();
    projections = undefined;

    const rebuilt = await rebuildProjection({ store: world.store, sql: world.sql, cache: world.cache, logger, batchSize: 500 }, recentPlaysProjection);
    const prefix = cacheKeyPrefix('recent-plays', rebuilt.generation);
    expect(await snapshot((suffix) => prefix + suffix)).toEqual(incremental);
  });
});
