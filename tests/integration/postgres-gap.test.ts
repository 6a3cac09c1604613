/**
 * The gap problem on a real PostgreSQL server: transaction A takes a lower sequence number than B
 * but commits after it. A reader ordered by sequence alone would read B, move its checkpoint past
 * A's number, and never see A. Ours must hold B back until A has committed, then deliver both.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { START } from '../../gateways/event-store/position.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('postgres event store: a write that commits late is never skipped', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('gap');
    store = await PostgresEventStore.open(createPgClient({ connectionString: db.url }), { ownsClient: true });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('holds a later commit back until the earlier transaction ends, then delivers both once, in order', async () => {
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
    const consumer = (async () => {
      for await (const e of subscription) seen.push(e);
    })();

    // A: inserts its event (taking the lower seq) and stays open.
    const a = new pg.Client({ connectionString: db.url });
    await a.connect();
    await a.query('begin');
    const payload = JSON.stringify([{ id: uuidv7(), type: 'Early', data: {}, metadata: {}, occurredAt: new Date().toISOString() }]);
    const [rowA] = (
      await a.query<{ status: string; seq: string }>("select status, seq::text as seq from es_append('gap-a', 'any', $1::jsonb)", [payload])
    ).rows;
    expect(rowA?.status).toBe('ok');

    // B: a normal append that commits first, with a higher seq.
    const b = await store.append('gap-b', [{ id: uuidv7(), type: 'Late', data: {} }]);
    const observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
    const visible = (await observer.query<{ seq: number }>('select seq::int as seq from es_events order by seq')).rows.map((r) => r.seq);
    await observer.end();
    // The precondition of the gap: B's seq is above A's and B is committed while A is not.
    expect(Number(rowA!.seq)).toBeLessThan(Math.max(...visible));
    expect(visible).not.toContain(Number(rowA!.seq));

    // While A is open, B is held back from every reader.
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    const readNow: RecordedEvent[] = [];
    for await (const e of store.readAll({ filter: { streamPrefixes: ['gap-'] } })) readNow.push(e);
    expect(readNow).toEqual([]);

    await a.query('commit');
    await a.end();
    const deadline = Date.now() + 5_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 200));
    await subscription.close();
    await consumer;

    expect(seen.map((e) => e.type)).toEqual(['Early', 'Late']);
    expect(seen[1]!.position).toBe(b.position);
    expect(store.comparePositions(seen[0]!.position, seen[1]!.position)).toBeLessThan(0);
  });

  it('is not held back by a transaction open in another database of the same server, nor by a read-only one here', async () => {
    const other = await createTestDatabase('gap-other');
    const elsewhere = new pg.Client({ connectionString: other.url });
    const reading = new pg.Client({ connectionString: db.url });
    await elsewhere.connect();
    await reading.connect();
    try {
      // Another database: a transaction with an id (it wrote), open for the whole test.
      await elsewhere.query('begin');
      await elsewhere.query('create table held_open (x int)');
      await elsewhere.query('insert into held_open values (1)');
      // Here: a long read-only transaction (no transaction id).
      await reading.query('begin isolation level repeatable read');
      await reading.query('select count(*) from es_events');

      const appended = await store.append('gap-elsewhere', [{ id: uuidv7(), type: 'Visible', data: {} }]);
      expect(store.comparePositions(await store.headPosition(), appended.position)).toBe(0);
      const read: RecordedEvent[] = [];
      for await (const e of store.readAll({ filter: { streamPrefixes: ['gap-elsewhere'] } })) read.push(e);
      expect(read.map((e) => e.type)).toEqual(['Visible']);
      expect(await store.countAfter(START, 10_000)).toBeGreaterThan(0);
    } finally {
      await elsewhere.query('rollback').catch(() => undefined);
      await reading.query('rollback').catch(() => undefined);
      await elsewhere.end();
      await reading.end();
      await other.drop();
    }
  });

  it('reads its own appends at once while transactions of another database start one after another', async () => {
    // Other applications on the server: each transaction takes its id just before one of our
    // appends, so it holds that append back until it is known to be another database's.
    const other = await createTestDatabase('gap-others');
    const elsewhere = Array.from({ length: 5 }, () => new pg.Client({ connectionString: other.url }));
    await Promise.all(elsewhere.map((c) => c.connect()));
    try {
      await elsewhere[0]!.query('create table held_open (x int)');
      for (const [i, client] of elsewhere.entries()) {
        await client.query('begin');
        await client.query('insert into held_open values ($1)', [i]);
        const appended = await store.append('gap-one-after-another', [{ id: uuidv7(), type: 'Visible', data: { i } }]);
        const read: RecordedEvent[] = [];
        for await (const e of store.readAll({ filter: { streamPrefixes: ['gap-one-after-another'] } })) read.push(e);
        expect(read.map((e) => e.data), `after append ${i}`).toEqual(Array.from({ length: i + 1 }, (_, j) => ({ i: j })));
        expect(read.at(-1)!.position).toBe(appended.position);
      }
    } finally {
      await Promise.all(elsewhere.map((c) => c.query('rollback').catch(() => undefined)));
      await Promise.all(elsewhere.map((c) => c.end()));
      await other.drop();
    }
  });
});
