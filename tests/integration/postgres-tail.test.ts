/**
 * The shared window of the head (gateways/event-store/postgres/tail.ts): subscriptions at the head
 * share one unfiltered read per wake-up and filter it themselves; a commit that arrives late below
 * the window's end is still delivered once; a subscription left behind by the window reads from
 * Postgres and joins it again.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventFilter, RecordedEvent, Subscription } from '../../gateways/event-store/port.js';
import { PostgresEventStore, type PostgresEventStoreOptions } from '../../gateways/event-store/postgres/store.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A SqlClient that counts the page reads (READ_PAGE) sent through it. */
function countingPageReads(sql: SqlClient): { sql: SqlClient; pageReads: () => number } {
  let reads = 0;
  const counted: SqlClient = {
    kind: sql.kind,
    query: (text, params) => {
      if (text.includes('pg_current_snapshot') && text.includes('window_end')) reads += 1;
      return sql.query(text, params);
    },
    exec: (script) => sql.exec(script),
    transaction: (work) => sql.transaction(work),
    listen: (channel, handlers) => sql.listen(channel, handlers),
    tryLock: (name) => sql.tryLock(name),
    close: () => sql.close(),
  };
  return { sql: counted, pageReads: () => reads };
}

interface Subscriber {
  filter: EventFilter | undefined;
  seen: RecordedEvent[];
  subscription: Subscription;
  done: Promise<void>;
}

function subscribe(store: PostgresEventStore, from: string, filter: EventFilter | undefined, gate?: () => Promise<void>): Subscriber {
  const subscription = store.subscribeToAll({ fromPosition: from, filter });
  const seen: RecordedEvent[] = [];
  const done = (async () => {
    for await (const event of subscription) {
      seen.push(event);
      await gate?.();
    }
  })();
  return { filter, seen, subscription, done };
}

async function readAll(store: PostgresEventStore, from: string, filter: EventFilter | undefined): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll({ fromPosition: from, filter })) events.push(event);
  return events;
}

/** The last acknowledged append, which expectCaughtUp waits to be visible. */
let lastAcked = '0:0';

async function append(store: PostgresEventStore, stream: string, events: readonly unknown[]): Promise<void> {
  lastAcked = (await store.append(stream, events)).position;
}

/**
 * Waits until every subscriber has seen what readAll returns for its filter, then compares. First
 * waits until the acknowledged appends are visible: on a shared server a transaction of another
 * test may hold every reader back for a while (the gap rule).
 */
async function expectCaughtUp(store: PostgresEventStore, from: string, subscribers: readonly Subscriber[]): Promise<void> {
  const visibleBy = Date.now() + 10_000;
  while (store.comparePositions(await store.headPosition(), lastAcked) < 0 && Date.now() < visibleBy) await sleep(5);
  for (const subscriber of subscribers) {
    const expected = await readAll(store, from, subscriber.filter);
    const deadline = Date.now() + 10_000;
    while (subscriber.seen.length < expected.length && Date.now() < deadline) await sleep(2);
    await sleep(20);
    expect(subscriber.seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
  }
}

const event = (type: string) => ({ id: uuidv7(), type, data: {} });

describe('postgres event store: the shared window of the head', () => {
  let db: TestDatabase;
  const stores: PostgresEventStore[] = [];

  async function open(options: PostgresEventStoreOptions = {}) {
    const counting = countingPageReads(createPgClient({ connectionString: db.url }));
    const store = await PostgresEventStore.open(counting.sql, { ownsClient: true, ...options });
    stores.push(store);
    return { store, pageReads: counting.pageReads };
  }

  beforeAll(async () => {
    db = await createTestDatabase('tail');
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await db.drop();
  });

  it('serves many subscriptions with different filters with one page read per wake-up, filtered as READ_PAGE filters', async () => {
    const { store, pageReads } = await open();
    await append(store, 'a-0', [event('X')]);
    const from = await store.headPosition();
    const filters: (EventFilter | undefined)[] = [
      undefined,
      { streamPrefixes: ['a-'] },
      { streamPrefixes: ['aB'] },
      { streamPrefixes: ['ab'] },
      { streamPrefixes: ['c-x_'] },
      { streamPrefixes: ['a-', 'c-x.'] },
      { eventTypes: ['X'] },
      { eventTypes: ['Y', 'Z'] },
      { streamPrefixes: ['b-'], eventTypes: ['X'] },
      { streamPrefixes: [], eventTypes: [] },
    ];
    const subscribers = filters.map((filter) => subscribe(store, from, filter));
    // Bring every subscription to the head (and into the window).
    await append(store, 'b-0', [event('X')]);
    await expectCaughtUp(store, from, subscribers);

    const before = pageReads();
    // Prefixes match as LIKE 'prefix%' with the prefix's wildcards escaped: '_' is a plain '_'.
    const streams = ['a-1', 'aB-1', 'b-1', 'c-x_1', 'c-xy1', 'c-x.1', 'ab-1', 'abc-1'];
    const types = ['X', 'Y', 'Z', 'W'];
    const appends = 40;
    for (let i = 0; i < appends; i += 1) {
      await append(store, streams[i % streams.length]!, [event(types[i % types.length]!), event(types[(i + 1) % types.length]!)]);
      await sleep(5);
    }
    await expectCaughtUp(store, from, subscribers);
    // Without the window: one read per subscription and wake-up (9 x 40). Polls while another
    // test's transaction holds the horizon back add a few shared reads.
    expect(pageReads() - before).toBeLessThanOrEqual(appends * 2);
    for (const subscriber of subscribers) await subscriber.subscription.close();
    await Promise.all(subscribers.map((s) => s.done));
  });

  it('delivers a lower transaction that commits late exactly once to subscriptions in the window', async () => {
    const { store } = await open();
    await append(store, 'gap-0', [event('Warm')]);
    const from = await store.headPosition();
    const filters: (EventFilter | undefined)[] = [undefined, { streamPrefixes: ['gap-'] }, { eventTypes: ['Early'] }, { eventTypes: ['Late'] }];
    const subscribers = filters.map((filter) => subscribe(store, from, filter));
    await append(store, 'gap-0', [event('Warm')]);
    await expectCaughtUp(store, from, subscribers);

    // A inserts its event (the lower transaction id) and stays open while B commits.
    const a = new pg.Client({ connectionString: db.url });
    await a.connect();
    await a.query('begin');
    const payload = JSON.stringify([{ ...event('Early'), metadata: {}, occurredAt: new Date().toISOString() }]);
    const [rowA] = (await a.query<{ status: string }>("select status from es_append('gap-a', 'any', $1::jsonb)", [payload])).rows;
    expect(rowA?.status).toBe('ok');
    await append(store, 'gap-b', [event('Late')]);
    await sleep(300);
    for (const subscriber of subscribers) expect(subscriber.seen.map((e) => e.type)).not.toContain('Late');

    await a.query('commit');
    await a.end();
    await append(store, 'gap-c', [event('After')]);
    await expectCaughtUp(store, from, subscribers);
    expect(subscribers[0]!.seen.map((e) => e.type)).toEqual(['Warm', 'Early', 'Late', 'After']);
    expect(subscribers[2]!.seen.map((e) => e.type)).toEqual(['Early']);
    expect(subscribers[3]!.seen.map((e) => e.type)).toEqual(['Late']);
    for (const subscriber of subscribers) await subscriber.subscription.close();
    await Promise.all(subscribers.map((s) => s.done));
  });

  it('lets a subscription that falls behind the window read from Postgres, then join the window again', async () => {
    const { store } = await open({ tailEvents: 50, pageSize: 20 });
    await append(store, 'lag-0', [event('X')]);
    const from = await store.headPosition();
    // Page reads of the subscriptions (not of the test's own readAll) by filter.
    const pageReadsByFilter: string[] = [];
    let counting = true;
    const caughtUp = async (subscribers: Subscriber[]) => {
      counting = false;
      await expectCaughtUp(store, from, subscribers);
      counting = true;
    };
    const readPage = store.readPage.bind(store);
    store.readPage = (after, limit, filter, options) => {
      if (counting) pageReadsByFilter.push(JSON.stringify(filter ?? null));
      return readPage(after, limit, filter, options);
    };
    const slowFilter = { streamPrefixes: ['lag-'] };
    let release: () => void = () => undefined;
    let blocked: Promise<void> | undefined = new Promise((resolve) => (release = resolve));
    const slow = subscribe(store, from, slowFilter, () => blocked ?? Promise.resolve());
    const fast = subscribe(store, from, undefined);
    await append(store, 'lag-1', [event('X')]);
    // The slow one now holds its first event; the fast one keeps up through the window.
    const deadline = Date.now() + 5_000;
    while (slow.seen.length === 0 && Date.now() < deadline) await sleep(2);
    for (let i = 0; i < 30; i += 1) await append(store, i % 2 === 0 ? 'lag-2' : 'other-2', Array.from({ length: 5 }, () => event('X')));
    await caughtUp([fast]);

    const slowReads = () => pageReadsByFilter.filter((f) => f === JSON.stringify(slowFilter)).length;
    counting = false;
    const expected = await readAll(store, from, slowFilter);
    counting = true;
    const readsBefore = slowReads();
    blocked = undefined;
    release();
    const until = Date.now() + 10_000;
    while (slow.seen.length < expected.length && Date.now() < until) await sleep(2);
    expect(slow.seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    // 150 events went by: the window (50) no longer reached back to its cursor.
    expect(slowReads()).toBeGreaterThan(readsBefore);

    // Back at the head, it reads from the window again: no more reads with its filter.
    await sleep(50);
    const readsCaughtUp = slowReads();
    for (let i = 0; i < 10; i += 1) {
      await append(store, 'lag-3', [event('X')]);
      await sleep(5);
    }
    await caughtUp([slow, fast]);
    expect(slowReads()).toBe(readsCaughtUp);
    await slow.subscription.close();
    await fast.subscription.close();
    await Promise.all([slow.done, fast.done]);
  });
  it("reads the head once per append of its own, though other processes listen: the echo of its own NOTIFY wakes nothing", async () => {
    const { store, pageReads } = await open();
    const other = await open();
    await append(store, 'echo-0', [event('X')]);
    const from = await store.headPosition();
    const mine = subscribe(store, from, { streamPrefixes: ['echo-'] });
    const theirs = subscribe(other.store, from, { streamPrefixes: ['echo-'] });
    // Past the new listeners' fast polling, and past the appender's registry refresh: from now
    // on this store NOTIFYs, for the other one, after each append.
    await sleep(1_700);
    const appends = 20;
    const before = pageReads();
    for (let i = 0; i < appends; i += 1) {
      await append(store, 'echo-1', [event('X')]);
      await sleep(25);
    }
    const deadline = Date.now() + 10_000;
    while ((mine.seen.length < appends || theirs.seen.length < appends) && Date.now() < deadline) await sleep(2);
    await sleep(50); // a read the last echo would cause
    const reads = pageReads() - before;
    await expectCaughtUp(store, from, [mine, theirs]);
    // One read per append (its own wake-up), and a few for what a transaction elsewhere on the
    // server held back; the echo of each NOTIFY would make it two per append.
    expect(reads).toBeGreaterThanOrEqual(appends);
    expect(reads).toBeLessThan(appends * 1.5);
    for (const s of [mine, theirs]) await s.subscription.close();
    await Promise.all([mine.done, theirs.done]);
  });
  it('passes over the NOTIFYs of a sibling that wakes it itself (the main thread, for its projections thread)', async () => {
    const main = await open();
    const sibling = await open();
    sibling.store.wakeups.ignoreNotifiesFrom(main.store.wakeups.listenerId);
    await append(main.store, 'sib-0', [event('X')]);
    const from = await main.store.headPosition();
    const mine = subscribe(main.store, from, { streamPrefixes: ['sib-'] });
    const theirs = subscribe(sibling.store, from, { streamPrefixes: ['sib-'] });
    await sleep(1_700); // past the fast polling and the appender's registry refresh
    const before = sibling.pageReads();
    const appends = 10;
    for (let i = 0; i < appends; i += 1) {
      await append(main.store, 'sib-1', [event('X')]);
      await sleep(25);
    }
    // Woken by nothing (the test does not wake it as the main thread would): at most a safety poll.
    expect(sibling.pageReads() - before).toBeLessThanOrEqual(2);
    sibling.store.wakeups.wake();
    await expectCaughtUp(main.store, from, [mine, theirs]);
    for (const s of [mine, theirs]) await s.subscription.close();
    await Promise.all([mine.done, theirs.done]);
  });
});
