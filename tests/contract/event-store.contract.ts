/**
 * The event store contract (DESIGN.md section 3). Every adapter runs exactly these cases,
 * unchanged, through its fixture.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventIdConflictError,
  EventStoreError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../../gateways/event-store/errors.js';
import type { EventStore, NewEvent, RecordedEvent, Subscription } from '../../gateways/event-store/port.js';
import { START, comparePositions } from '../../gateways/event-store/position.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import type { EventStoreFixture, FixtureFactory } from './fixtures/fixture.js';

const tag = () => randomBytes(4).toString('hex');
/** A stream of a fresh category, so prefix filters and readAll checks see only this test's events. */
const freshStream = (category = `c${tag()}`) => `${category}-${tag()}`;

function event(type = 'SomethingHappened', data: Record<string, unknown> = { n: 1 }): NewEvent {
  return { id: uuidv7(), type, data: data as NewEvent['data'], metadata: { actorId: 'user-1', correlationId: 'corr-1' } };
}

const events = (count: number, type = 'SomethingHappened') =>
  Array.from({ length: count }, (_, n) => event(type, { n }));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Waits until readers can see `position`. A store may hold back committed events while an older
 * transaction is still running (on Postgres: anywhere on the server, e.g. another test suite's).
 */
async function visible(store: EventStore, position: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (store.comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error(`position ${position} did not become visible`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function readAllOf(store: EventStore, streams: readonly string[], from = START): Promise<RecordedEvent[]> {
  return collect(store.readAll({ fromPosition: from, filter: { streamPrefixes: streams } }));
}

/** Drains a subscription in the background; `until` waits for a condition on what it has seen. */
function drain(subscription: Subscription) {
  const seen: RecordedEvent[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const e of subscription) seen.push(e);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    seen,
    done,
    async until(predicate: (seen: RecordedEvent[]) => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(seen)) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`subscription timed out with ${seen.length} events`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<EventStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an error with code ${code}`).toBeInstanceOf(EventStoreError);
  expect((error as EventStoreError).code).toBe(code);
  return error as EventStoreError;
}

export function describeEventStoreContract(adapter: string, createFixture: FixtureFactory): void {
  describe(`event store contract: ${adapter}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;

    beforeAll(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    describe('append and expected revision', () => {
      it('appends to a new stream and reads back the full envelope', async () => {
        const stream = freshStream();
        const e = { ...event('TrackPlayed', { trackId: 't-1', msPlayed: 42_000, nested: { a: [1, 'two', null, true] } }), occurredAt: '2026-01-02T03:04:05.678Z' };
        const result = await store.append(stream, [e], { expectedRevision: 'no_stream' });
        expect(result.nextRevision).toBe(0n);
        const [stored] = await collect(store.readStream(stream));
        expect(stored).toEqual({
          id: e.id,
          type: 'TrackPlayed',
          stream,
          revision: 0n,
          position: result.position,
          occurredAt: '2026-01-02T03:04:05.678Z',
          data: e.data,
          metadata: { actorId: 'user-1', correlationId: 'corr-1' },
        });
      });

      it('numbers a batch with consecutive revisions and returns the last one', async () => {
        const stream = freshStream();
        await store.append(stream, events(2));
        const result = await store.append(stream, events(3), { expectedRevision: 1n });
        expect(result.nextRevision).toBe(4n);
        const stored = await collect(store.readStream(stream));
        expect(stored.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(stored[4]!.position).toBe(result.position);
      });

      it("defaults to 'any' and stamps occurredAt when the writer gives none", async () => {
        const stream = freshStream();
        const before = Date.now();
        await store.append(stream, [{ id: uuidv7(), type: 'A', data: {} }]);
        await store.append(stream, [{ id: uuidv7(), type: 'B', data: {} }]);
        const stored = await collect(store.readStream(stream));
        expect(stored.map((e) => e.type)).toEqual(['A', 'B']);
        expect(Date.parse(stored[0]!.occurredAt)).toBeGreaterThanOrEqual(before - 5_000);
        expect(stored[0]!.metadata).toEqual({});
      });

      it("'no_stream' fails on an existing stream with its actual revision, and writes nothing", async () => {
        const stream = freshStream();
        await store.append(stream, events(2));
        const error = await expectCode(store.append(stream, events(1), { expectedRevision: 'no_stream' }), 'WRONG_EXPECTED_REVISION');
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).actual).toBe(1n);
        expect(await collect(store.readStream(stream))).toHaveLength(2);
      });

      it("'exists' fails on a missing stream and succeeds on an existing one", async () => {
        const stream = freshStream();
        const error = await expectCode(store.append(stream, events(1), { expectedRevision: 'exists' }), 'WRONG_EXPECTED_REVISION');
        expect((error as WrongExpectedRevisionError).actual).toBe('no_stream');
        expect(await collect(store.readStream(stream))).toEqual([]);
        await store.append(stream, events(1));
        await expect(store.append(stream, events(1), { expectedRevision: 'exists' })).resolves.toMatchObject({ nextRevision: 1n });
      });

      it('an exact revision succeeds when it matches and fails with the actual one when it does not', async () => {
        const stream = freshStream();
        await store.append(stream, events(3));
        const stale = await expectCode(store.append(stream, events(1), { expectedRevision: 1n }), 'WRONG_EXPECTED_REVISION');
        expect((stale as WrongExpectedRevisionError).actual).toBe(2n);
        const missing = await expectCode(store.append(freshStream(), events(1), { expectedRevision: 0n }), 'WRONG_EXPECTED_REVISION');
        expect((missing as WrongExpectedRevisionError).actual).toBe('no_stream');
        await expect(store.append(stream, events(1), { expectedRevision: 2n })).resolves.toMatchObject({ nextRevision: 3n });
        expect(await collect(store.readStream(stream))).toHaveLength(4);
      });

      it('lets exactly one of several concurrent writers with the same expected revision win', async () => {
        const stream = freshStream();
        await store.append(stream, events(1));
        const attempts = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.append(stream, events(2), { expectedRevision: 0n })),
        );
        const won = attempts.filter((a) => a.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const lost of attempts.filter((a) => a.status === 'rejected')) {
          expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await collect(store.readStream(stream))).toHaveLength(3);
      });

      it("keeps each stream's revision order in the global order under concurrent writers", async () => {
        const category = `c${tag()}`;
        const streams = [freshStream(category), freshStream(category)];
        const head = await store.headPosition();
        const lasts = await Promise.all(
          Array.from({ length: 16 }, async (_, writer) => {
            let last = START;
            for (let i = 0; i < 8; i += 1) last = (await store.append(streams[(writer + i) % 2]!, events(1 + (i % 2)))).position;
            return last;
          }),
        );
        for (const last of lasts) await visible(store, last);
        const all = await readAllOf(store, [`${category}-`], head);
        for (const stream of streams) {
          const revisions = all.filter((e) => e.stream === stream).map((e) => e.revision);
          expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
        }
      });

      it('creates a stream once when many writers race to create it', async () => {
        const stream = freshStream();
        const attempts = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.append(stream, events(1), { expectedRevision: 'no_stream' })),
        );
        expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
        const anyWriters = await Promise.all(Array.from({ length: 8 }, () => store.append(freshStream('race'), events(1))));
        expect(anyWriters.every((r) => r.nextRevision === 0n)).toBe(true);
      });
    });

    describe('idempotent appends', () => {
      it('answers a re-append of a stored batch with the original result and writes nothing', async () => {
        const stream = freshStream();
        const batch = events(3);
        const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        await store.append(stream, events(1));
        // The retry carries the expected revision of the first try, which is stale by now.
        const again = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        const anyAgain = await store.append(stream, batch);
        expect(again).toEqual(first);
        expect(anyAgain).toEqual(first);
        expect(await collect(store.readStream(stream))).toHaveLength(4);
      });

      it('stores a batch once when its retries race each other', async () => {
        const stream = freshStream();
        const batch = events(2);
        const results = await Promise.all(Array.from({ length: 6 }, () => store.append(stream, batch)));
        expect(new Set(results.map((r) => `${r.nextRevision}@${r.position}`)).size).toBe(1);
        expect(await collect(store.readStream(stream))).toHaveLength(2);
      });

      it('rejects a batch that reuses some stored ids, or ids of another stream, and writes nothing', async () => {
        const stream = freshStream();
        const batch = events(2);
        await store.append(stream, batch);
        const partial = [batch[0]!, event()];
        const error = await expectCode(store.append(stream, partial), 'EVENT_ID_CONFLICT');
        expect(error).toBeInstanceOf(EventIdConflictError);
        const other = freshStream();
        await expectCode(store.append(other, batch), 'EVENT_ID_CONFLICT');
        expect(await collect(store.readStream(stream))).toHaveLength(2);
        expect(await collect(store.readStream(other))).toEqual([]);
      });
    });

    describe('appendMany: several appends in one call', () => {
      it('stores every append and answers each as append would, in the order given', async () => {
        const [a, b, c] = [freshStream(), freshStream(), freshStream()];
        await store.append(b, events(2));
        const outcomes = await store.appendMany([
          { stream: a, events: events(2), options: { expectedRevision: 'no_stream' } },
          { stream: b, events: events(1), options: { expectedRevision: 1n } },
          { stream: c, events: events(3) },
        ]);
        expect(outcomes.map((o) => (o.ok ? o.result.nextRevision : o.error.code))).toEqual([1n, 2n, 2n]);
        for (const [stream, outcome] of [[a, outcomes[0]], [b, outcomes[1]], [c, outcomes[2]]] as const) {
          const stored = await collect(store.readStream(stream));
          expect(outcome!.ok && stored[stored.length - 1]!.position).toBe(outcome!.ok && outcome!.result.position);
        }
        await visible(store, (outcomes[2]!.ok && outcomes[2]!.result.position) as string);
        expect(await readAllOf(store, [a, b, c])).toHaveLength(8);
      });

      it('fails only the append at fault: wrong revision, deleted stream, bad input, an id of another stream', async () => {
        const [ok1, stale, deleted, bad, taken, ok2] = [freshStream(), freshStream(), freshStream(), freshStream(), freshStream(), freshStream()];
        await store.append(stale, events(2));
        await store.append(deleted, events(1));
        await store.deleteStream(deleted);
        const stored = events(1);
        await store.append(ok1, stored);
        const outcomes = await store.appendMany([
          { stream: ok1, events: events(1), options: { expectedRevision: 0n } },
          { stream: stale, events: events(1), options: { expectedRevision: 0n } },
          { stream: deleted, events: events(1) },
          { stream: bad, events: [event('A', { s: 'lone \ud800 surrogate' })] },
          { stream: taken, events: stored },
          { stream: ok2, events: events(2), options: { expectedRevision: 'no_stream' } },
        ]);
        expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
          'ok',
          'WRONG_EXPECTED_REVISION',
          'STREAM_DELETED',
          'INVALID_EVENT_DATA',
          'EVENT_ID_CONFLICT',
          'ok',
        ]);
        const wrong = outcomes[1]!;
        expect(!wrong.ok && wrong.error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await collect(store.readStream(ok1))).toHaveLength(2);
        expect(await collect(store.readStream(stale))).toHaveLength(2);
        expect(await collect(store.readStream(bad))).toEqual([]);
        expect(await collect(store.readStream(taken))).toEqual([]);
        expect(await collect(store.readStream(ok2))).toHaveLength(2);
      });

      it('fails a wrong expected revision among ordinary appends (new streams, no retries) and stores the rest', async () => {
        const [fresh, stale, missing, existing, any] = [freshStream(), freshStream(), freshStream(), freshStream(), freshStream()];
        await store.append(stale, events(2));
        await store.append(existing, events(1));
        const outcomes = await store.appendMany([
          { stream: fresh, events: events(2), options: { expectedRevision: 'no_stream' } },
          { stream: stale, events: events(1), options: { expectedRevision: 0n } },
          { stream: missing, events: events(1), options: { expectedRevision: 'exists' } },
          { stream: existing, events: events(3), options: { expectedRevision: 0n } },
          { stream: any, events: events(1) },
        ]);
        expect(outcomes.map((o) => (o.ok ? o.result.nextRevision : o.error.code))).toEqual([1n, 'WRONG_EXPECTED_REVISION', 'WRONG_EXPECTED_REVISION', 3n, 0n]);
        const stale1 = outcomes[1]!;
        expect(!stale1.ok && stale1.error instanceof WrongExpectedRevisionError && stale1.error.actual).toBe(1n);
        expect(await collect(store.readStream(stale))).toHaveLength(2);
        expect(await collect(store.readStream(missing))).toEqual([]);
        const last = outcomes[4]!;
        const stored = await collect(store.readStream(existing));
        expect(stored.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
        expect(last.ok && outcomes[3]!.ok && comparePositions(outcomes[3]!.result.position, last.result.position)).toBeLessThan(0);
        expect(outcomes[3]!.ok && stored[3]!.position).toBe(outcomes[3]!.ok && outcomes[3]!.result.position);
      });

      it('applies appends to one stream in the order given', async () => {
        const stream = freshStream();
        const [first, second, third] = [events(2), events(1), events(1)];
        const outcomes = await store.appendMany([
          { stream, events: first, options: { expectedRevision: 'no_stream' } },
          { stream, events: second, options: { expectedRevision: 1n } },
          { stream, events: third },
        ]);
        expect(outcomes.map((o) => o.ok && o.result.nextRevision)).toEqual([1n, 2n, 3n]);
        const stored = await collect(store.readStream(stream));
        expect(stored.map((e) => e.id)).toEqual([...first, ...second, ...third].map((e) => e.id));
      });

      it('answers a retried call with the original results and writes nothing more', async () => {
        const [a, b] = [freshStream(), freshStream()];
        const call = [
          { stream: a, events: events(2), options: { expectedRevision: 'no_stream' as const } },
          { stream: b, events: events(1), options: { expectedRevision: 'no_stream' as const } },
        ];
        const first = await store.appendMany(call);
        const again = await store.appendMany(call);
        expect(again).toEqual(first);
        expect(await collect(store.readStream(a))).toHaveLength(2);
        expect(await collect(store.readStream(b))).toHaveLength(1);
      });

      it('answers an empty call with no outcomes', async () => {
        expect(await store.appendMany([])).toEqual([]);
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards from a revision, with a maximum count', async () => {
        const stream = freshStream();
        await store.append(stream, events(7));
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await collect(store.readStream(stream, options))).map((e) => Number(e.revision));
        expect(await revisions(undefined)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(await revisions({ fromRevision: 4n })).toEqual([4, 5, 6]);
        expect(await revisions({ fromRevision: 2n, maxCount: 2 })).toEqual([2, 3]);
        expect(await revisions({ direction: 'backwards' })).toEqual([6, 5, 4, 3, 2, 1, 0]);
        expect(await revisions({ direction: 'backwards', fromRevision: 3n })).toEqual([3, 2, 1, 0]);
        expect(await revisions({ direction: 'backwards', maxCount: 2 })).toEqual([6, 5]);
        expect(await revisions({ fromRevision: 7n })).toEqual([]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
      });

      it('yields nothing for a stream that does not exist', async () => {
        expect(await collect(store.readStream(freshStream()))).toEqual([]);
        expect(await collect(store.readStream(freshStream(), { direction: 'backwards' }))).toEqual([]);
      });

      it('pages through a long stream', async () => {
        const stream = freshStream();
        await store.append(stream, events(2_500));
        const all = await collect(store.readStream(stream));
        expect(all).toHaveLength(2_500);
        expect(all.every((e, i) => e.revision === BigInt(i))).toBe(true);
        const back = await collect(store.readStream(stream, { direction: 'backwards', fromRevision: 1_200n }));
        expect(back).toHaveLength(1_201);
        expect(back[1_200]!.revision).toBe(0n);
      });
    });

    describe('readAll and positions', () => {
      it('reads every stream in global order, after an exclusive position', async () => {
        const category = `c${tag()}`;
        const [a, b] = [freshStream(category), freshStream(category)];
        const head = await store.headPosition();
        const r1 = await store.append(a, events(2));
        const r2 = await store.append(b, events(1));
        const r3 = await store.append(a, events(1));
        await visible(store, r3.position);
        const all = await readAllOf(store, [`${category}-`], head);
        expect(all.map((e) => `${e.stream}@${e.revision}`)).toEqual([`${a}@0`, `${a}@1`, `${b}@0`, `${a}@2`]);
        expect(all[1]!.position).toBe(r1.position);
        expect(all[2]!.position).toBe(r2.position);
        expect(all[3]!.position).toBe(r3.position);
        for (let i = 1; i < all.length; i += 1) {
          expect(store.comparePositions(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0);
        }
        const after = await readAllOf(store, [`${category}-`], r1.position);
        expect(after.map((e) => e.position)).toEqual([r2.position, r3.position]);
        expect(await readAllOf(store, [`${category}-`], r3.position)).toEqual([]);
      });

      it('filters by stream prefix, by event type, and by both', async () => {
        const [x, y] = [`c${tag()}`, `c${tag()}`];
        const head = await store.headPosition();
        await store.append(`${x}-1`, [event('Liked'), event('Played')]);
        await store.append(`${y}-1`, [event('Played'), event('Skipped')]);
        await visible(store, (await store.append(`${x}-2`, [event('Skipped')])).position);
        const read = async (filter: { streamPrefixes?: string[]; eventTypes?: string[] }) =>
          (await collect(store.readAll({ fromPosition: head, filter: { streamPrefixes: [`${x}-`, `${y}-`], ...filter } }))).map(
            (e) => `${e.stream}:${e.type}`,
          );
        expect(await read({ streamPrefixes: [`${x}-`] })).toEqual([`${x}-1:Liked`, `${x}-1:Played`, `${x}-2:Skipped`]);
        expect(await read({ eventTypes: ['Played', 'Skipped'] })).toEqual([
          `${x}-1:Played`,
          `${y}-1:Played`,
          `${y}-1:Skipped`,
          `${x}-2:Skipped`,
        ]);
        expect(await read({ streamPrefixes: [`${y}-`], eventTypes: ['Skipped'] })).toEqual([`${y}-1:Skipped`]);
        expect(await read({ streamPrefixes: [`${x}-`, `${y}-`], eventTypes: ['Nothing'] })).toEqual([]);
      });

      it('filters by event type alone: in the global order, across pages, once each, reading and subscribing', async () => {
        const t = tag();
        const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((name) => `${name}${t}`) as [string, string, string, string];
        const head = await store.headPosition();
        const subscription = store.subscribeToAll({ fromPosition: head, filter: { eventTypes: [c, d] } });
        const sub = drain(subscription);
        // Interleaved in one stream (a, b, a, c, a, ...), then another stream of d with a few b.
        const cycle = [a, b, a, c, a];
        const first = Array.from({ length: 2_500 }, (_, n) => event(cycle[n % cycle.length], { n }));
        const second = Array.from({ length: 600 }, (_, n) => event(n % 100 === 7 ? b : d, { n }));
        await store.append(freshStream(), first);
        await visible(store, (await store.append(freshStream(), second)).position);
        const order = [...first, ...second];
        const expected = (types: string[]) => order.filter((e) => types.includes(e.type)).map((e) => e.id);
        const read = async (types: string[]) => (await collect(store.readAll({ fromPosition: head, filter: { eventTypes: types } }))).map((e) => e.id);
        expect(await read([a])).toEqual(expected([a]));
        expect(await read([b, c])).toEqual(expected([b, c]));
        expect(await read([d, b, b])).toEqual(expected([b, d]));
        expect(await read([`Nothing${t}`])).toEqual([]);
        const live = event(c, { n: -1 });
        await store.append(freshStream(), [live]);
        const wanted = [...expected([c, d]), live.id];
        await sub.until((seen) => seen.length >= wanted.length, 20_000);
        await subscription.close();
        expect(sub.seen.map((e) => e.id)).toEqual(wanted);
      });

      it('finds the few matching events among long runs of others, reading and subscribing', async () => {
        const category = `c${tag()}`;
        const head = await store.headPosition();
        const subscription = store.subscribeToAll({ fromPosition: head, filter: { streamPrefixes: [`${category}-`], eventTypes: ['Rare'] } });
        const sub = drain(subscription);
        await store.append(freshStream(category), [event('Rare')]);
        for (let i = 0; i < 3; i += 1) await store.append(freshStream(category), events(4_000, 'Common'));
        await store.append(freshStream(category), [event('Rare')]);
        await store.append(freshStream(), events(3_000, 'Rare'));
        await visible(store, (await store.append(freshStream(category), [event('Rare')])).position);
        const found = await collect(store.readAll({ fromPosition: head, filter: { streamPrefixes: [`${category}-`], eventTypes: ['Rare'] } }));
        expect(found).toHaveLength(3);
        await sub.until((seen) => seen.length === 3, 20_000);
        await subscription.close();
        expect(sub.seen.map((e) => e.id)).toEqual(found.map((e) => e.id));
      });

      it('honours maxCount and pages through long reads', async () => {
        const category = `c${tag()}`;
        const head = await store.headPosition();
        let last = head;
        for (let i = 0; i < 5; i += 1) last = (await store.append(freshStream(category), events(500))).position;
        await visible(store, last);
        const all = await readAllOf(store, [`${category}-`], head);
        expect(all).toHaveLength(2_500);
        const some = await collect(store.readAll({ fromPosition: head, maxCount: 1_234, filter: { streamPrefixes: [`${category}-`] } }));
        expect(some.map((e) => e.id)).toEqual(all.slice(0, 1_234).map((e) => e.id));
      });

      it('reports the head position: the newest event a reader can see', async () => {
        const result = await store.append(freshStream(), events(2));
        await visible(store, result.position);
        expect(await store.headPosition()).toBe(result.position);
        expect(store.comparePositions(START, result.position)).toBeLessThan(0);
        expect(store.comparePositions(result.position, result.position)).toBe(0);
      });

      it('counts the events after a position up to a cap, or answers null where counting is not cheap', async () => {
        const before = await store.headPosition();
        const result = await store.append(freshStream(), events(3));
        await visible(store, result.position);
        const capped = await store.countAfter(before, 2);
        if (capped === null) {
          // A store that cannot count cheaply says so whatever it is asked.
          expect(await store.countAfter(START, 10)).toBeNull();
          return;
        }
        expect(capped).toBe(2);
        expect(await store.countAfter(before, 1_000)).toBe(3);
        expect(await store.countAfter(result.position, 1_000)).toBe(0);
      });

      it('starts an empty store at START', async () => {
        const empty = await createFixture();
        try {
          expect(await empty.store.headPosition()).toBe(START);
          expect(await collect(empty.store.readAll())).toEqual([]);
        } finally {
          await empty.teardown();
        }
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then delivers new events live, in order, until closed', async () => {
        const category = `c${tag()}`;
        const head = await store.headPosition();
        await store.append(freshStream(category), events(3));
        const subscription = store.subscribeToAll({ fromPosition: head, filter: { streamPrefixes: [`${category}-`] } });
        const sub = drain(subscription);
        await sub.until((seen) => seen.length === 3);
        const live = await store.append(freshStream(category), events(2));
        await sub.until((seen) => seen.length === 5);
        expect(sub.seen[4]!.position).toBe(live.position);
        await subscription.close();
        await sub.done;
        await store.append(freshStream(category), events(1));
        await new Promise((r) => setTimeout(r, 100));
        expect(sub.seen).toHaveLength(5);
        expect(new Set(sub.seen.map((e) => e.id)).size).toBe(5);
      });

      it('delivers live events within milliseconds, not at a polling interval', async () => {
        const category = `c${tag()}`;
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition(), filter: { streamPrefixes: [`${category}-`] } });
        const sub = drain(subscription);
        await new Promise((r) => setTimeout(r, 50));
        const latencies: number[] = [];
        for (let i = 0; i < 10; i += 1) {
          const started = performance.now();
          await store.append(freshStream(category), events(1));
          await sub.until((seen) => seen.length === i + 1);
          latencies.push(performance.now() - started);
        }
        await subscription.close();
        latencies.sort((p, q) => p - q);
        // The safety poll is 2 s; a notification-driven wake-up is far below that.
        expect(latencies[5]).toBeLessThan(500);
      });

      it('starts after an exclusive position and applies filters', async () => {
        const category = `c${tag()}`;
        const stream = freshStream(category);
        const first = await store.append(stream, [event('Keep'), event('Drop')]);
        await store.append(stream, [event('Keep')]);
        const subscription = store.subscribeToAll({ fromPosition: first.position, filter: { streamPrefixes: [`${category}-`], eventTypes: ['Keep'] } });
        const sub = drain(subscription);
        await sub.until((seen) => seen.length === 1);
        await store.append(stream, [event('Drop'), event('Keep')]);
        await sub.until((seen) => seen.length === 2);
        await subscription.close();
        expect(sub.seen.map((e) => Number(e.revision))).toEqual([2, 4]);
      });

      it('reports progress past events its filter skips, once the consumer has taken the rest', async () => {
        const category = `c${tag()}`;
        const stream = freshStream(category);
        const progress: string[] = [];
        const subscription = store.subscribeToAll({
          fromPosition: await store.headPosition(),
          filter: { streamPrefixes: [`${category}-`], eventTypes: ['Wanted'] },
          onProgress: (position) => progress.push(position),
        });
        const sub = drain(subscription);
        const wanted = await store.append(stream, [event('Wanted')]);
        const skipped = await store.append(stream, [event('Unwanted'), event('Unwanted')]);
        const elsewhere = await store.append(freshStream(), [event('Wanted')]);
        await sub.until((seen) => seen.length === 1);
        const deadline = Date.now() + 10_000;
        const passed = (p: string) => progress.some((q) => store.comparePositions(q, p) >= 0);
        while (!(passed(skipped.position) && passed(elsewhere.position)) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5));
        }
        await subscription.close();
        expect(sub.seen.map((e) => e.position)).toEqual([wanted.position]);
        expect(passed(skipped.position)).toBe(true);
        expect(passed(elsewhere.position)).toBe(true);
        // Progress only moves forwards.
        for (let i = 1; i < progress.length; i += 1) {
          expect(store.comparePositions(progress[i - 1]!, progress[i]!)).toBeLessThanOrEqual(0);
        }
      });

      it('ends the iteration when the consumer breaks out', async () => {
        const stream = freshStream();
        await store.append(stream, events(3));
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } });
        let count = 0;
        for await (const _ of subscription) {
          count += 1;
          if (count === 2) break;
        }
        expect(count).toBe(2);
      });

      it('survives dropped connections: resumes without skipping or repeating', async () => {
        const category = `c${tag()}`;
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition(), filter: { streamPrefixes: [`${category}-`] } });
        const sub = drain(subscription);
        await store.append(freshStream(category), events(5));
        await sub.until((seen) => seen.length === 5);
        expect(await fixture.dropConnections()).toBeGreaterThan(0);
        // Appends right after the drop go through (the store reconnects) ...
        await store.append(freshStream(category), events(5));
        await fixture.dropConnections();
        await store.append(freshStream(category), events(5));
        // ... and the subscription delivers them, each once.
        await sub.until((seen) => seen.length >= 15, 20_000);
        await new Promise((r) => setTimeout(r, 200));
        await subscription.close();
        expect(sub.seen).toHaveLength(15);
        expect(new Set(sub.seen.map((e) => e.id)).size).toBe(15);
      });

      it('never skips a write that commits after a later one (the gap problem)', async () => {
        const category = `c${tag()}`;
        const head = await store.headPosition();
        const subscription = store.subscribeToAll({ fromPosition: head, filter: { streamPrefixes: [`${category}-`] } });
        const sub = drain(subscription);
        const slow = await fixture.beginSlowAppend(freshStream(category), events(2, 'Early'));
        const fast = store.append(freshStream(category), events(1, 'Late'));
        // Give the later write every chance to commit (on a server it does) and be read.
        await Promise.race([fast, new Promise((r) => setTimeout(r, 300))]);
        await new Promise((r) => setTimeout(r, 100));
        await slow.commit();
        await fast;
        await sub.until((seen) => seen.length >= 3);
        await new Promise((r) => setTimeout(r, 200));
        await subscription.close();
        expect(sub.seen.map((e) => e.type).sort()).toEqual(['Early', 'Early', 'Late']);
        // Delivered in the global order that readAll reports.
        const all = await readAllOf(store, [`${category}-`], head);
        expect(sub.seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
      });
    });

    describe('deleteStream', () => {
      it('refuses appends and reads by name afterwards; history stays in the global order', async () => {
        const stream = freshStream();
        const head = await store.headPosition();
        await visible(store, (await store.append(stream, events(2))).position);
        await expectCode(store.deleteStream(stream, { expectedRevision: 0n }), 'WRONG_EXPECTED_REVISION');
        await store.deleteStream(stream, { expectedRevision: 1n });
        const error = await expectCode(store.append(stream, events(1)), 'STREAM_DELETED');
        expect(error).toBeInstanceOf(StreamDeletedError);
        await expectCode(store.append(stream, events(1), { expectedRevision: 'no_stream' }), 'STREAM_DELETED');
        await expectCode(collect(store.readStream(stream)), 'STREAM_DELETED');
        expect(await readAllOf(store, [stream], head)).toHaveLength(2);
      });
    });

    describe('bad input gets a typed error and writes nothing', () => {
      const cases: Array<[string, string, () => [unknown, unknown, unknown?]]> = [
        ['an empty stream name', 'INVALID_STREAM_NAME', () => ['', [event()]]],
        ['a stream name without a category', 'INVALID_STREAM_NAME', () => ['nocategory', [event()]]],
        ['a stream name with spaces', 'INVALID_STREAM_NAME', () => ['user-a b', [event()]]],
        ['a system stream name', 'INVALID_STREAM_NAME', () => ['$all-x', [event()]]],
        ['a stream name over 200 characters', 'INVALID_STREAM_NAME', () => [`user-${'x'.repeat(200)}`, [event()]]],
        ['a stream name that is not a string', 'INVALID_STREAM_NAME', () => [42, [event()]]],
        ['an empty batch', 'EMPTY_BATCH', () => [freshStream(), []]],
        ['a batch that is not an array', 'EMPTY_BATCH', () => [freshStream(), event()]],
        ['an id that is not a UUID', 'INVALID_EVENT', () => [freshStream(), [{ ...event(), id: 'not-a-uuid' }]]],
        ['an id used twice in the batch', 'INVALID_EVENT', () => {
          const e = event();
          return [freshStream(), [e, { ...e }]];
        }],
        ['a bad event type', 'INVALID_EVENT', () => [freshStream(), [{ ...event(), type: 'has spaces' }]]],
        ['an unknown event field', 'INVALID_EVENT', () => [freshStream(), [{ ...event(), extra: 1 }]]],
        ['an invalid occurredAt', 'INVALID_EVENT', () => [freshStream(), [{ ...event(), occurredAt: 'yesterday' }]]],
        ['data that is not an object', 'INVALID_EVENT_DATA', () => [freshStream(), [{ ...event(), data: [1, 2] }]]],
        ['data holding a function', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { f: () => 1 })]]],
        ['data holding undefined', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { u: undefined })]]],
        ['data holding a bigint', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { b: 1n })]]],
        ['data holding NaN', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { x: Number.NaN })]]],
        ['data holding a Date', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { d: new Date() })]]],
        ['data holding a NUL character', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { s: 'a\u0000b' })]]],
        ['data holding a lone surrogate', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { s: 'a\udc00b' })]]],
        ['a data key holding a lone surrogate', 'INVALID_EVENT_DATA', () => [freshStream(), [event('A', { ['k\ud800']: 1 })]]],
        ['circular data', 'INVALID_EVENT_DATA', () => {
          const data: Record<string, unknown> = {};
          data.self = data;
          return [freshStream(), [event('A', data)]];
        }],
        ['metadata that is not an object', 'INVALID_EVENT_DATA', () => [freshStream(), [{ ...event(), metadata: 'x' }]]],
        ['a non-string actorId', 'INVALID_EVENT_DATA', () => [freshStream(), [{ ...event(), metadata: { actorId: 7 } }]]],
        ['an event over 1 MiB', 'EVENT_TOO_LARGE', () => [freshStream(), [event('A', { blob: 'x'.repeat(1024 * 1024) })]]],
        ['an unknown expected revision', 'INVALID_EXPECTED_REVISION', () => [freshStream(), [event()], { expectedRevision: 'latest' }]],
        ['a negative expected revision', 'INVALID_EXPECTED_REVISION', () => [freshStream(), [event()], { expectedRevision: -1n }]],
        ['a number as expected revision', 'INVALID_EXPECTED_REVISION', () => [freshStream(), [event()], { expectedRevision: 3 }]],
        ['null as expected revision', 'INVALID_EXPECTED_REVISION', () => [freshStream(), [event()], { expectedRevision: null }]],
      ];

      for (const [what, code, build] of cases) {
        it(`rejects ${what} with ${code}`, async () => {
          const head = await store.headPosition();
          const [stream, batch, options] = build();
          const append = store.append as (s: unknown, e: unknown, o?: unknown) => Promise<unknown>;
          await expectCode(append.call(store, stream, batch, options), code);
          // Nothing of the batch is anywhere in the store.
          const ids = new Set(Array.isArray(batch) ? (batch as Array<{ id?: unknown }>).map((e) => e?.id) : []);
          const after = await collect(store.readAll({ fromPosition: head }));
          expect(after.filter((e) => ids.has(e.id) || e.stream === stream)).toEqual([]);
          if (typeof stream === 'string' && stream.startsWith('c')) {
            expect(await collect(store.readStream(stream))).toEqual([]);
          }
        });
      }

      it('rejects a valid event in a batch with an invalid one, writing neither', async () => {
        const stream = freshStream();
        await expectCode(store.append(stream, [event(), { ...event(), id: 'bad' }]), 'INVALID_EVENT');
        expect(await collect(store.readStream(stream))).toEqual([]);
      });

      it('accepts an event of exactly 1 MiB', async () => {
        const stream = freshStream();
        const overhead = JSON.stringify({ blob: '' }).length + JSON.stringify({}).length;
        await store.append(stream, [{ id: uuidv7(), type: 'Big', data: { blob: 'x'.repeat(1024 * 1024 - overhead) } }]);
        const [stored] = await collect(store.readStream(stream));
        expect((stored!.data.blob as string).length).toBe(1024 * 1024 - overhead);
      });

      it('rejects bad read options and positions', async () => {
        await expectCode(collect(store.readAll({ fromPosition: 'nowhere' })), 'INVALID_POSITION');
        await expectCode(collect(store.readAll({ maxCount: -1 })), 'INVALID_READ_OPTIONS');
        await expectCode(collect(store.readAll({ filter: { eventTypes: [''] } })), 'INVALID_READ_OPTIONS');
        await expectCode(collect(store.readStream('bad name')), 'INVALID_STREAM_NAME');
        await expectCode(collect(store.readStream(freshStream(), { fromRevision: -1n })), 'INVALID_READ_OPTIONS');
        await expectCode(
          collect(store.readStream(freshStream(), { direction: 'sideways' as 'forwards' })),
          'INVALID_READ_OPTIONS',
        );
        expect(() => store.subscribeToAll({ fromPosition: '12' })).toThrow(EventStoreError);
        await expectCode(store.deleteStream('bad name'), 'INVALID_STREAM_NAME');
      });
    });
  });
}
