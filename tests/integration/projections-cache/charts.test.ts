/**
 * The charts read model on real Postgres (event store) and on Redis and the in-process cache:
 * only plays from 30 s on count, plays land in the UTC day of their playedAt (late offline plays
 * included), the week sums 7 days, old day buckets expire while all-time keeps everything, and a
 * rebuild ends where the incremental run did.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../../domain/shared/errors.js';
import type { NewEvent } from '../../../gateways/event-store/port.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { chartsProjection, topTracks, utcDay, type ChartWindow } from '../../../projections/cache/charts.js';
import { Projections, rebuildProjection } from '../../../projections/manager.js';
import { cacheKeyPrefix } from '../../../projections/projection.js';
import { appendEach, openCacheWorld, type CacheWorld } from '../../support/cache-world.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const DAY_MS = 86_400_000;

const openWorld = (kind: 'redis' | 'memory'): Promise<CacheWorld> => openCacheWorld('charts', kind);

const played = (userId: string, trackId: string, playedAt: Date, msPlayed: number): [string, NewEvent] => [
  `listens-${userId}`,
  { id: uuidv7(), type: 'TrackPlayed', data: { userId, trackId, playedAt: playedAt.toISOString(), msPlayed } },
];

/** Appends plays one stream at a time, in order; resolves to the last position. */

const entries = (list: Array<{ trackId: string; plays: number }>) => list.map((e) => `${e.trackId}=${e.plays}`);

describe.each(['redis', 'memory'] as const)('charts read model (cache on %s)', (kind) => {
  let world: CacheWorld;
  let projections: Projections | undefined;
  afterEach(async () => {
    await projections?.stop();
    projections = undefined;
    await world?.close();
  });

  /** Noon UTC today: far from the day's edges, so the test does not care when it runs. */
  const now = new Date(utcDay(Date.now()) * DAY_MS + DAY_MS / 2);
  const daysBack = (days: number, ms = 0) => new Date(now.getTime() - days * DAY_MS + ms);

  async function start(batchSize?: number): Promise<Projections> {
    projections = new Projections({ store: world.store, sql: world.sql, cache: world.cache, logger, pollMs: 100, batchSize }, [chartsProjection]);
    await projections.start();
    return projections;
  }

  async function chart(window: ChartWindow, at = now, limit = 50) {
    return entries(await topTracks(world.cache, projections!.cacheKeys('charts'), { window, limit, now: at }));
  }

  it('ranks the day, the week (7 days summed) and all time, counting only plays from 30 s on', async () => {
    world = await openWorld(kind);
    const last = await appendEach(world.store, [
      played('ann', 't1', daysBack(0), 30_000),
      played('bob', 't1', daysBack(0, 3_600_000), 200_000),
      played('bob', 't1', daysBack(0), 29_999), // short: history only
      played('ann', 't2', daysBack(0, -3_600_000), 180_000),
      played('cid', 't2', daysBack(0), 31_000),
      played('cid', 't3', daysBack(0), 10_000), // only short plays: in no chart
      played('ann', 't2', daysBack(1), 60_000),
      played('bob', 't2', daysBack(1), 60_000),
      played('ann', 't4', daysBack(1), 60_000),
      played('ann', 't4', daysBack(6), 60_000),
      played('bob', 't4', daysBack(6), 60_000),
      played('cid', 't4', daysBack(6), 60_000),
      ...Array.from({ length: 4 }, () => played('dan', 't5', daysBack(7), 90_000)), // a day before the week
      ...Array.from({ length: 5 }, () => played('eve', 't6', daysBack(20), 90_000)), // its day bucket has expired
    ]);
    const p = await start();
    await p.waitFor(['charts'], last, 10_000);

    // Equal counts are ordered by trackId, descending (Redis's ZREVRANGE order).
    expect(await chart('day')).toEqual(['t2=2', 't1=2']);
    expect(await chart('week')).toEqual(['t4=4', 't2=4', 't1=2']);
    expect(await chart('all')).toEqual(['t6=5', 't5=4', 't4=4', 't2=4', 't1=2']);
    expect(await chart('day', daysBack(1))).toEqual(['t2=2', 't4=1']);
    expect(await chart('day', daysBack(7))).toEqual(['t5=4']);
    expect(await chart('week', daysBack(1))).toEqual(['t5=4', 't4=4', 't2=2']);
    expect(await chart('day', daysBack(20))).toEqual([]);
    expect(await chart('week', daysBack(20))).toEqual([]);
    expect(await chart('all', now, 2)).toEqual(['t6=5', 't5=4']);
    expect(await chart('week', now, 1)).toEqual(['t4=4']);
  });

  it('buckets by the UTC day of playedAt, whatever its offset, and places a late offline play on the day it was heard', async () => {
    world = await openWorld(kind);
    const midnight = new Date(utcDay(now.getTime()) * DAY_MS);
    await appendEach(world.store, [
      played('ann', 'late-night', new Date(midnight.getTime() - 1), 40_000),
      played('ann', 'early', midnight, 40_000),
    ]);
    // 01:30 at +02:00 is 23:30 UTC the day before.
    const offset = `${new Date(midnight.getTime() - DAY_MS).toISOString().slice(0, 10)}T01:30:00+02:00`;
    const withOffset: [string, NewEvent] = [
      'listens-bob',
      { id: uuidv7(), type: 'TrackPlayed', data: { userId: 'bob', trackId: 'offset', playedAt: offset, msPlayed: 40_000 } },
    ];
    const p = await start();
    await p.waitFor(['charts'], await appendEach(world.store, [withOffset]), 10_000);
    expect(await chart('day')).toEqual(['early=1']);
    expect(await chart('day', daysBack(1))).toEqual(['late-night=1']);
    expect(await chart('day', daysBack(2))).toEqual(['offset=1']);

    // Made offline three days ago, uploaded now: it counts for that day (and the week), not today.
    const late = await appendEach(world.store, [played('cid', 'offline', daysBack(3), 50_000)]);
    await p.waitFor(['charts'], late, 10_000);
    expect(await chart('day', daysBack(3))).toEqual(['offline=1']);
    expect(await chart('day')).toEqual(['early=1']);
    expect(await chart('week')).toEqual(['offset=1', 'offline=1', 'late-night=1', 'early=1']);
  });

  it('rejects a limit outside 1..50 and an unknown window', async () => {
    world = await openWorld(kind);
    const p = await start();
    const keys = p.cacheKeys('charts');
    for (const limit of [0, 51, 2.5, Number.NaN]) {
      await expect(topTracks(world.cache, keys, { window: 'all', limit })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    await expect(topTracks(world.cache, keys, { window: 'month' as ChartWindow, limit: 5 })).rejects.toBeInstanceOf(DomainError);
    expect(await topTracks(world.cache, keys, { window: 'all', limit: 50 })).toEqual([]);
  });

  it('rebuilds (in big batches) into exactly what the incremental run (small batches, live) built', async () => {
    world = await openWorld(kind);
    const users = ['ann', 'bob', 'cid'];
    const plays = Array.from({ length: 120 }, (_, i) =>
      played(users[i % 3]!, `t${(i * 7) % 11}`, daysBack((i * 5) % 12, (i * 997_331) % DAY_MS), i % 4 === 0 ? 12_000 : 30_000 + i),
    );
    const p = await start(7);
    for (let i = 0; i < plays.length; i += 25) await p.waitFor(['charts'], await appendEach(world.store, plays.slice(i, i + 25)), 10_000);
    const snapshot = async (keys: (suffix: string) => string) => {
      const out: Record<string, string[]> = {};
      for (let back = -1; back <= 13; back += 1) {
        for (const window of ['day', 'week'] as const) {
          out[`${window}-${back}`] = entries(await topTracks(world.cache, keys, { window, limit: 50, now: daysBack(back) }));
        }
      }
      out.all = entries(await topTracks(world.cache, keys, { window: 'all', limit: 50, now }));
      return out;
    };
    const incremental = await snapshot(p.cacheKeys('charts'));
    expect(incremental.all!.reduce((sum, e) => sum + Number(e.split('=')[1]), 0)).toBe(90);
    expect(incremental['day-3']).not.toEqual([]);
    expect(incremental['day-10']).toEqual([]); // it had plays, but its bucket has expired
    await p.stop();
    projections = undefined;

    const rebuilt = await rebuildProjection({ store: world.store, sql: world.sql, cache: world.cache, logger, batchSize: 500 }, chartsProjection);
    const prefix = cacheKeyPrefix('charts', rebuilt.generation);
    expect(await snapshot((suffix) => prefix + suffix)).toEqual(incremental);
  });
});
