/**
 * The play counters on real Postgres (event store) and on Redis and the in-process cache: only
 * plays from 30 s on count, per track and per user; MGET answers many tracks at once; a rebuild
 * ends where the incremental run did.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../gateways/event-store/port.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import {
  playCount,
  playCounts,
  playCountsProjection,
  userPlayCount,
  userTopTracks,
} from '../../../projections/cache/play-counts.js';
import { Projections, rebuildProjection } from '../../../projections/manager.js';
import { cacheKeyPrefix } from '../../../projections/projection.js';
import { appendEach, openCacheWorld, type CacheWorld } from '../../support/cache-world.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

const openWorld = (kind: 'redis' | 'memory'): Promise<CacheWorld> => openCacheWorld('counts', kind);

const played = (userId: string, trackId: string, msPlayed: number, playedAt = '2026-03-01T12:00:00.000Z'): [string, NewEvent] => [
  `listens-${userId}`,
  { id: uuidv7(), type: 'TrackPlayed', data: { userId, trackId, playedAt, msPlayed } },
];


describe.each(['redis', 'memory'] as const)('play counts read model (cache on %s)', (kind) => {
  let world: CacheWorld;
  let projections: Projections | undefined;
  afterEach(async () => {
    await projections?.stop();
    projections = undefined;
    await world?.close();
  });

  async function start(batchSize?: number): Promise<Projections> {
    projections = new Projections({ store: world.store, sql: world.sql, cache: world.cache, logger, pollMs: 100, batchSize }, [playCountsProjection]);
    await projections.start();
    return projections;
  }

  it('counts plays from 30 s on per track and per user, and answers many tracks in one MGET', async () => {
    world = await openWorld(kind);
    const p = await start();
    const last = await appendEach(world.store, [
      played('ann', 't1', 30_000),
      played('ann', 't1', 240_000),
      played('bob', 't1', 45_000),
      played('bob', 't1', 29_999), // short: not a play
      played('cid', 't1', 0),
      played('ann', 't2', 31_000),
      played('ann', 't3', 5_000), // only short plays
    ]);
    await p.waitFor(['play-counts'], last, 10_000);
    const keys = p.cacheKeys('play-counts');
    expect(await playCount(world.cache, keys, 't1')).toBe(3);
    expect(await playCount(world.cache, keys, 't3')).toBe(0);
    expect(await playCount(world.cache, keys, 'unknown')).toBe(0);
    expect(await playCounts(world.cache, keys, ['t3', 't1', 'unknown', 't2', 't1'])).toEqual([0, 3, 0, 1, 3]);
    expect(await playCounts(world.cache, keys, [])).toEqual([]);
    expect(await userPlayCount(world.cache, keys, 'ann', 't1')).toBe(2);
    expect(await userPlayCount(world.cache, keys, 'bob', 't1')).toBe(1);
    expect(await userPlayCount(world.cache, keys, 'cid', 't1')).toBe(0);
    expect(await userTopTracks(world.cache, keys, 'ann', 10)).toEqual([
      { trackId: 't1', plays: 2 },
      { trackId: 't2', plays: 1 },
    ]);
    expect(await userTopTracks(world.cache, keys, 'ann', 1)).toEqual([{ trackId: 't1', plays: 2 }]);
    expect(await userTopTracks(world.cache, keys, 'nobody', 10)).toEqual([]);
    await expect(userTopTracks(world.cache, keys, 'ann', 0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    // And live: the counters move with new plays.
    await p.waitFor(['play-counts'], await appendEach(world.store, [played('dan', 't3', 60_000), played('dan', 't1', 60_000)]), 10_000);
    expect(await playCounts(world.cache, keys, ['t1', 't2', 't3'])).toEqual([4, 1, 1]);
  });

  it('rebuilds (in big batches) into exactly what the incremental run (small batches, live) built', async () => {
    world = await openWorld(kind);
    const users = ['ann', 'bob', 'cid', 'dan'];
    const tracks = Array.from({ length: 9 }, (_, i) => `t${i}`);
    const plays = Array.from({ length: 150 }, (_, i) => played(users[i % 4]!, tracks[(i * 5) % 9]!, i % 3 === 0 ? 29_000 : 30_000));
    const p = await start(4);
    for (let i = 0; i < plays.length; i += 30) await p.waitFor(['play-counts'], await appendEach(world.store, plays.slice(i, i + 30)), 10_000);
    const snapshot = async (keys: (suffix: string) => string) => ({
      tracks: await playCounts(world.cache, keys, tracks),
      users: await Promise.all(users.map((u) => userTopTracks(world.cache, keys, u, 50))),
    });
    const incremental = await snapshot(p.cacheKeys('play-counts'));
    expect(incremental.tracks.reduce((a, b) => a + b, 0)).toBe(100);
    await p.stop();
    projections = undefined;

    const rebuilt = await rebuildProjection({ store: world.store, sql: world.sql, cache: world.cache, logger, batchSize: 500 }, playCountsProjection);
    const prefix = cacheKeyPrefix('play-counts', rebuilt.generation);
    expect(await snapshot((suffix) => prefix + suffix)).toEqual(incremental);
  });
});
