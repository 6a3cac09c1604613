/**
 * The registry's copy of a cache projection's checkpoint (projections/checkpoint-copy.ts), against
 * the real registry: the first commit is copied at once, a burst's last at the end of the interval,
 * each copy adds the events applied since the one before, and a run that ends writes what is due,
 * unless it lost its lock.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CheckpointCopy, type RunnerProgress } from '../../projections/checkpoint-copy.js';
import type { CacheProjection } from '../../projections/projection.js';
import { createGeneration, ensureRegistry, listGenerations } from '../../projections/registry.js';
import { usePostgresStore } from '../support/postgres-store.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const INTERVAL_MS = 1_000;

const projection: CacheProjection = { kind: 'cache', name: 'copied', version: 1, handles: ['Ticked'], apply: () => undefined };

describe('the registry copy of a cache projection checkpoint', () => {
  const world = usePostgresStore('copy');

  it('copies the first commit at once and the last of a burst at the end of the interval, counting each event once', async () => {
    const { sql } = world;
    await ensureRegistry(sql);
    const { generation } = await createGeneration(sql, projection);
    const stored = async () => {
      const g = (await listGenerations(sql, projection.name)).find((row) => row.generation === generation)!;
      return { checkpoint: g.checkpoint, eventsApplied: g.eventsApplied };
    };
    const eventually = async (expected: { checkpoint: string; eventsApplied: number }, withinMs: number) => {
      const deadline = Date.now() + withinMs;
      while (JSON.stringify(await stored()) !== JSON.stringify(expected)) {
        if (Date.now() > deadline) expect(await stored()).toEqual(expected);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    let progress: RunnerProgress = { checkpoint: null, eventsApplied: 0 };
    const copy = new CheckpointCopy(sql, projection.name, generation, () => progress, logger, INTERVAL_MS);

    progress = { checkpoint: '10:1', eventsApplied: 2 };
    copy.committed();
    await eventually({ checkpoint: '10:1', eventsApplied: 2 }, INTERVAL_MS / 2);

    // A burst within the interval: nothing more at once, then its last commit.
    const burst = Date.now();
    progress = { checkpoint: '11:1', eventsApplied: 3 };
    copy.committed();
    progress = { checkpoint: '12:1', eventsApplied: 5 };
    copy.committed();
    expect(await stored()).toEqual({ checkpoint: '10:1', eventsApplied: 2 });
    await eventually({ checkpoint: '12:1', eventsApplied: 5 }, INTERVAL_MS * 3);
    expect(Date.now() - burst).toBeGreaterThanOrEqual(INTERVAL_MS / 2);

    // The run ends with a copy due: written at once.
    progress = { checkpoint: '13:1', eventsApplied: 6 };
    copy.committed();
    await copy.flush();
    expect(await stored()).toEqual({ checkpoint: '13:1', eventsApplied: 6 });

    // After a lost lock the due copy is dropped: another runner may have written a newer one.
    progress = { checkpoint: '14:1', eventsApplied: 7 };
    copy.committed();
    await copy.flush(false);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 1.5));
    expect(await stored()).toEqual({ checkpoint: '13:1', eventsApplied: 6 });
  });
});
