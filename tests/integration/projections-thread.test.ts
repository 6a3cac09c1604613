/**
 * Projections in a thread of their own (CHORUS_PROJECTIONS=thread, on PostgreSQL with Redis): the thread runs every projection on its own connections; the main thread's Projections
 * runs none and answers read-your-writes waits from the statuses the thread reports, woken by this
 * process's appends without a NOTIFY.
 */
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../app/config.js';
import { ProjectionsThread } from '../../app/projections-thread.js';
import { userStream } from '../../domain/user/events.js';
import { RedisCache } from '../../gateways/cache/redis.js';
import { NEW_LISTENER_FAST_POLL_MS } from '../../gateways/event-store/postgres/notifier.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { allProjections } from '../../projections/index.js';
import { Projections, ProjectionsBehindError } from '../../projections/manager.js';
import { MirroredRunners } from '../../projections/mirrored-runners.js';
import { getUser } from '../../projections/sql/users.js';
import { usePostgresStore } from '../support/postgres-store.js';
import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '../support/redis.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('projections in a thread of their own', () => {
  const world = usePostgresStore('pthread');
  let redis: TestRedis;
  let cache: RedisCache;
  let mirror: MirroredRunners;
  let thread: ProjectionsThread;
  let projections: Projections;

  beforeAll(async () => {
    redis = await createTestRedis('pthread');
    cache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redis.prefix, logger });
    const config = loadConfig({ DATABASE_URL: world.db.url, REDIS_URL: TEST_REDIS_URL, CHORUS_REDIS_KEY_PREFIX: redis.prefix, CHORUS_PROJECTIONS: 'thread', LOG_LEVEL: 'silent' });
    expect(config.projections).toBe('thread');
    mirror = new MirroredRunners((a, b) => world.store.comparePositions(a, b));
    thread = new ProjectionsThread(config, {
      mirror,
      logger,
      onActivated: () => void projections.reconcile(),
      onListener: (id) => world.store.wakeups.ignoreListener(id),
    });
    world.store.wakeups.onAnnounce = () => thread.wake();
    projections = new Projections({ store: world.store, sql: world.sql, cache, logger, mirror }, allProjections);
    await thread.start();
    await projections.start();
  });
  afterAll(async () => {
    await projections?.stop();
    await thread?.stop();
    await cache?.close();
    await redis?.cleanup();
  });

  it('runs every projection in the thread, and the main thread reports them as running', async () => {
    // The runners report as they start, each after reading its checkpoint: on a busy machine some
    // come a little after the thread is ready.
    await vi.waitFor(
      async () => {
        const status = await projections.status();
        expect(status.map((p) => p.name).sort()).toEqual(allProjections.map((p) => p.name).sort());
        for (const p of status) {
          const active = p.generations.find((g) => g.status === 'active');
          expect(active?.runner?.state, p.name).toBe('running');
        }
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it('answers read-your-writes as soon as the thread has applied an append made here (woken without a NOTIFY)', async () => {
    // Past the moment a new listener polls quickly (until every appender has seen it).
    await new Promise((r) => setTimeout(r, NEW_LISTENER_FAST_POLL_MS + 500));
    const before = await projections.contentVersion('users');
    const waits: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const userId = `pt-user-${i}`;
      const { position } = await world.store.append(userStream(userId), [
        { id: uuidv7(), type: 'UserRegistered', data: { userId, displayName: `User ${i}`, registeredAt: new Date().toISOString() } },
      ]);
      const started = performance.now();
      await projections.waitFor(['users'], position, 5_000);
      waits.push(performance.now() - started);
      expect((await getUser(world.sql, userId))?.displayName).toBe(`User ${i}`);
    }
    waits.sort((a, b) => a - b);
    // Without the wake-up the thread's subscription would see the appends only at its safety
    // poll (2 s): every wait would take up to that long.
    expect(waits[Math.floor(waits.length / 2)]).toBeLessThan(250);
    expect(waits[waits.length - 1]).toBeLessThan(1_000);
    expect(await projections.contentVersion('users')).not.toBe(before);
  });

  it('a thread that dies is started again, and read-your-writes answers from the new one', async () => {
    const worker = Reflect.get(thread, 'worker') as Worker;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    await exited;
    const userId = 'pt-after-restart';
    const { position } = await world.store.append(userStream(userId), [
      { id: uuidv7(), type: 'UserRegistered', data: { userId, displayName: 'Again', registeredAt: new Date().toISOString() } },
    ]);
    // The first restart comes after the back-off's first step (500 ms); the new thread reads on from the checkpoint.
    await projections.waitFor(['users'], position, 15_000);
    expect((await getUser(world.sql, userId))?.displayName).toBe('Again');
    expect(Reflect.get(thread, 'worker')).not.toBe(worker);
  });

  it('after the thread stops, waits no longer answer from its statuses', async () => {
    await thread.stop();
    const userId = 'pt-after-stop';
    const { position } = await world.store.append(userStream(userId), [
      { id: uuidv7(), type: 'UserRegistered', data: { userId, displayName: 'After', registeredAt: new Date().toISOString() } },
    ]);
    await expect(projections.waitFor(['users'], position, 300)).rejects.toBeInstanceOf(ProjectionsBehindError);
    expect(await getUser(world.sql, userId)).toBeUndefined();
  });
});
