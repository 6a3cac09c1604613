/**
 * Cross-process wake-ups on PostgreSQL: an appender sends NOTIFY only while another process has
 * subscriptions open, and such a subscriber then receives new events within milliseconds.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { NOTIFY_CHANNEL } from '../../gateways/event-store/postgres/schema.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('postgres event store: wake-ups across processes', () => {
  let db: TestDatabase;
  let writer: PostgresEventStore;
  let reader: PostgresEventStore;
  let spy: pg.Client;
  let notifications = 0;

  beforeAll(async () => {
    db = await createTestDatabase('notify');
    writer = await PostgresEventStore.open(createPgClient({ connectionString: db.url }), { ownsClient: true });
    reader = await PostgresEventStore.open(createPgClient({ connectionString: db.url }), { ownsClient: true });
    spy = new pg.Client({ connectionString: db.url });
    await spy.connect();
    spy.on('notification', () => (notifications += 1));
    await spy.query(`LISTEN ${NOTIFY_CHANNEL}`);
  });
  afterAll(async () => {
    await spy.end();
    await writer.close();
    await reader.close();
    await db.drop();
  });

  it('sends no NOTIFY while no other process subscribes', async () => {
    for (let i = 0; i < 20; i += 1) await writer.append('quiet-1', [{ id: uuidv7(), type: 'Appended', data: {} }]);
    await sleep(1_200); // past the appender's registry refresh
    for (let i = 0; i < 20; i += 1) await writer.append('quiet-1', [{ id: uuidv7(), type: 'Appended', data: {} }]);
    await sleep(100);
    // At most the very first append may notify, before the appender first read the registry.
    expect(notifications).toBeLessThanOrEqual(1);
  });

  it("wakes another process's subscription within milliseconds once it has registered", async () => {
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll({ fromPosition: await reader.headPosition(), filter: { streamPrefixes: ['loud-'] } });
    const consumer = (async () => {
      for await (const e of subscription) seen.push(e);
    })();
    await sleep(2_500); // past the fast-poll window: from now on only NOTIFY wakes it quickly
    // Only rounds whose event was visible right after its append count: a transaction running
    // anywhere on the server (other test files share it) holds every reader back until it ends,
    // which is the gap rule at work (README), not a late wake-up.
    const latencies: number[] = [];
    let held = 0;
    for (let i = 0; i < 60 && latencies.length < 10; i += 1) {
      const started = performance.now();
      const { position } = await writer.append('loud-1', [{ id: uuidv7(), type: 'Appended', data: {} }]);
      const visible = writer.comparePositions(await writer.headPosition(), position) >= 0;
      while (seen.length < i + 1) await sleep(1);
      if (visible) latencies.push(performance.now() - started);
      else held += 1;
      await sleep(20);
    }
    await subscription.close();
    await consumer;
    latencies.sort((a, b) => a - b);
    expect(notifications).toBeGreaterThan(0);
    expect(latencies.length, `${held} rounds held back by other transactions`).toBeGreaterThanOrEqual(5);
    expect(latencies[Math.floor(latencies.length * 0.8)]).toBeLessThan(100); // the safety poll would take up to 2 s
  });
});
