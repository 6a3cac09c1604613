/**
 * Projection.minCommitIntervalMs at the head: a paced projection gathers the events of several
 * wake-ups into one commit (at most one commit start per interval), while an unpaced one beside it
 * commits each wake-up's events as they come; both end with every event applied.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { NewEvent } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { Projections } from '../../projections/manager.js';
import type { CacheProjection } from '../../projections/projection.js';
import { usePostgresStore } from '../support/postgres-store.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const counting = (name: string, minCommitIntervalMs?: number): CacheProjection => ({
  kind: 'cache',
  name,
  version: 1,
  handles: ['Ticked'],
  ...(minCommitIntervalMs === undefined ? {} : { minCommitIntervalMs }),
  apply(writer, events, key) {
    for (const e of events) writer.zIncrBy(key('by-stream'), 1, e.stream);
  },
});

const tick = (): NewEvent => ({ id: uuidv7(), type: 'Ticked', data: {} });

describe('projection commit pacing (minCommitIntervalMs)', () => {
  const world = usePostgresStore('pacing', { store: { logger } });

  it('gathers several wake-ups into one commit for a paced projection, not for the others', async () => {
    const { sql, store } = world;
    const cache = new MemoryCache();
    const projections = new Projections({ store, sql, cache, logger, pollMs: 100 }, [counting('eager'), counting('paced', 400)]);
    await projections.start();
    try {
      await projections.waitFor(['eager', 'paced'], await store.headPosition(), 5_000);
      const batches = async () =>
        Object.fromEntries((await projections.status()).map((p) => [p.name, p.generations[0]?.runner?.batches ?? 0]));
      const before = await batches();
      let last = '';
      const started = performance.now();
      // 12 appends over ~600 ms: one wake-up each.
      for (let i = 0; i < 12; i++) {
        last = (await store.append(`pace-${i}`, [tick()])).position;
        await sleep(50);
      }
      await projections.waitFor(['eager', 'paced'], last, 5_000);
      const elapsed = performance.now() - started;
      const after = await batches();
      const eager = after.eager! - before.eager!;
      const paced = after.paced! - before.paced!;
      expect(eager).toBeGreaterThanOrEqual(8);
      // One commit start per 400 ms at most (the first may start at once).
      expect(paced).toBeLessThanOrEqual(Math.ceil(elapsed / 400) + 1);
      expect(paced).toBeLessThan(eager / 2);
      for (const name of ['eager', 'paced']) {
        const scores = await cache.zRevRangeWithScores(projections.cacheKeys(name)('by-stream'), 0, -1);
        expect(scores.filter((s) => s.member.startsWith('pace-'))).toHaveLength(12);
      }
    } finally {
      await projections.stop();
      await cache.close();
    }
  });
});
