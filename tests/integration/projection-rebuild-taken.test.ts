/**
 * `chorus projections rebuild` while a server runs: the server runs building generations too, so
 * it may take the new generation's lock before the rebuild's own runner does. The rebuild must
 * then follow the server's progress in the registry and end once the generation is caught up,
 * instead of waiting for its own runner, which never gets the lock (seen once in CI: a rebuild
 * printing "0 events applied" for two minutes).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userStream } from '../../domain/user/events.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { Projections, rebuildProjection, type RebuildProgress } from '../../projections/manager.js';
import { listGenerations } from '../../projections/registry.js';
import { listUsers, usersProjection } from '../../projections/sql/users.js';
import { openHarness, type ReadModelHarness } from '../support/projection-harness.js';

const logger = pino({ level: 'silent' });

describe('a rebuild whose new generation a running server took first', () => {
  let h: ReadModelHarness;

  beforeAll(async () => {
    h = await openHarness('postgres', 'rebuild-taken');
    for (let i = 0; i < 30; i++) {
      await h.append(userStream(`u${i}`), [{ type: 'UserRegistered', data: { userId: `u${i}`, displayName: `U${i}`, registeredAt: new Date().toISOString() } }]);
    }
    await h.catchUp([usersProjection]);
  });
  afterAll(async () => h?.close());

  it('follows the server through the registry and ends when the generation is caught up', async () => {
    const cache = new MemoryCache();
    // The server: polls the registry often, so it starts the new generation's runner at once.
    const server = new Projections({ store: h.store, sql: h.sql, cache, logger, pollMs: 20, retiredGraceMs: 0 }, [usersProjection]);
    await server.start();
    // The rebuild's own runner asks for its lock a second late (a slow command line).
    const slow: SqlClient = Object.create(h.sql, {
      tryLock: { value: async (name: string) => (await new Promise((r) => setTimeout(r, 1_000)), h.sql.tryLock(name)) },
    }) as SqlClient;
    const seen: RebuildProgress[] = [];
    try {
      const rebuilt = await Promise.race([
        rebuildProjection({ store: h.store, sql: slow, cache, logger, retiredGraceMs: 0 }, usersProjection, (p) => seen.push(p), 100),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the rebuild did not end within 20 s')), 20_000)),
      ]);
      const generations = await listGenerations(h.sql, 'users');
      expect(generations.find((g) => g.generation === rebuilt.generation)?.status).toBe('active');
      expect(seen.at(-1)?.eventsApplied).toBeGreaterThanOrEqual(30);
      expect((await listUsers(h.sql, { limit: 100 })).total).toBe(30);
    } finally {
      await server.stop();
    }
  });
});
