/**
 * Property: whatever the interleaving of concurrent writers — with conflicts, retries of the same
 * batch, and dropped connections — every subscriber sees every acknowledged event exactly once and
 * nothing else, each stream in revision order, in the same global sequence that readAll returns.
 *
 * fast-check generates the writers' scripts and the delays between their steps; the database
 * decides the actual interleaving. Replay a failure with FC_SEED (and FC_PATH) from its report.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../../gateways/event-store/errors.js';
import type { ExpectedRevision, NewEvent, RecordedEvent } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import type { EventStoreFixture, FixtureFactory } from '../contract/fixtures/fixture.js';
import { createPgliteFixture, createPostgresFixture } from '../contract/fixtures/postgres.js';
import { propertyParameters } from '../support/property.js';

const STREAMS = 3;
const MAX_ATTEMPTS = 6;

type Expectation = 'any' | 'believed' | 'no_stream';
interface Step {
  stream: number;
  size: number;
  expect: Expectation;
  pauseMs: number;
  /** Send the same batch again after it succeeded, as a client whose response timed out would. */
  resend: boolean;
  /** Cut the store's connections before this step. */
  drop: boolean;
}
interface Scenario {
  writers: Step[][];
  subscriberStartsMs: number[];
}

const step: fc.Arbitrary<Step> = fc.record({
  stream: fc.integer({ min: 0, max: STREAMS - 1 }),
  size: fc.integer({ min: 1, max: 3 }),
  expect: fc.constantFrom<Expectation>('any', 'believed', 'believed', 'no_stream'),
  pauseMs: fc.integer({ min: 0, max: 4 }),
  resend: fc.boolean(),
  drop: fc.constant(false),
});

const scenario = (withDrops: boolean): fc.Arbitrary<Scenario> =>
  fc.record({
    writers: fc.array(
      fc.array(withDrops ? fc.tuple(step, fc.integer({ min: 0, max: 29 })).map(([s, d]) => ({ ...s, drop: d === 0 })) : step, {
        minLength: 1,
        maxLength: 8,
      }),
      { minLength: 2, maxLength: 5 },
    ),
    subscriberStartsMs: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }),
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runScenario(fixture: EventStoreFixture, s: Scenario): Promise<void> {
  const { store } = fixture;
  const category = `p${randomBytes(4).toString('hex')}`;
  const streamName = (i: number) => `${category}-${i}`;
  const filter = { streamPrefixes: [`${category}-`] };
  const head = await store.headPosition();

  const acknowledged = new Map<string, { stream: string; revision: bigint }>();
  const subscribers = s.subscriberStartsMs.map((startMs) => {
    const seen: RecordedEvent[] = [];
    let subscription: ReturnType<typeof store.subscribeToAll> | undefined;
    const done = (async () => {
      await sleep(startMs);
      subscription = store.subscribeToAll({ fromPosition: head, filter });
      for await (const e of subscription) seen.push(e);
    })();
    return { seen, done, close: async () => { while (!subscription) await sleep(1); await subscription.close(); } };
  });

  const writer = async (steps: Step[]) => {
    const believed = new Map<number, ExpectedRevision>();
    for (const st of steps) {
      await sleep(st.pauseMs);
      if (st.drop) await fixture.dropConnections();
      const batch: NewEvent[] = Array.from({ length: st.size }, (_, n) => ({ id: uuidv7(), type: 'Appended', data: { n } }));
      const stream = streamName(st.stream);
      let expected: ExpectedRevision =
        st.expect === 'any' ? 'any' : st.expect === 'no_stream' ? 'no_stream' : believed.get(st.stream) ?? 'no_stream';
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
        try {
          const result = await store.append(stream, batch, { expectedRevision: expected });
          batch.forEach((e, i) => acknowledged.set(e.id, { stream, revision: result.nextRevision - BigInt(batch.length - 1 - i) }));
          believed.set(st.stream, result.nextRevision);
          if (st.resend) {
            const again = await store.append(stream, batch, { expectedRevision: expected });
            expect(again).toEqual(result);
          }
          break;
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) {
            // Refresh what we believe and try the same batch (same ids) again.
            expected = error.actual;
            believed.set(st.stream, error.actual);
            if (st.expect === 'no_stream') break;
            continue;
          }
          // Outcome unknown: the same ids make the retry safe.
          if (error instanceof EventStoreUnavailableError) continue;
          throw error;
        }
      }
    }
  };

  try {
    await Promise.all(s.writers.map(writer));
  } catch (error) {
    await Promise.all(subscribers.map((sub) => sub.close()));
    throw error;
  }

  const expectedIds = new Set(acknowledged.keys());
  const deadline = Date.now() + 20_000;
  for (const sub of subscribers) {
    while (sub.seen.length < expectedIds.size && Date.now() < deadline) await sleep(5);
  }
  await sleep(50);
  await Promise.all(subscribers.map((sub) => sub.close()));
  await Promise.all(subscribers.map((sub) => sub.done));

  const all: RecordedEvent[] = [];
  for await (const e of store.readAll({ fromPosition: head, filter })) all.push(e);

  // readAll holds exactly the acknowledged events, at the revisions their appends reported.
  expect(new Set(all.map((e) => e.id))).toEqual(expectedIds);
  expect(all).toHaveLength(expectedIds.size);
  for (const e of all) expect({ stream: e.stream, revision: e.revision }).toEqual(acknowledged.get(e.id));

  // Each stream is gapless and in revision order within the global order.
  const perStream = new Map<string, bigint[]>();
  for (const e of all) perStream.set(e.stream, [...(perStream.get(e.stream) ?? []), e.revision]);
  for (const revisions of perStream.values()) expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));

  // Every subscriber saw the same sequence as readAll: each event once, nothing else.
  for (const sub of subscribers) expect(sub.seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
}

function describeProperty(adapter: string, createFixture: FixtureFactory, runs: number, withDrops: boolean) {
  describe(`event store under concurrent writers: ${adapter}`, () => {
    let fixture: EventStoreFixture;
    beforeAll(async () => {
      fixture = await createFixture();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('every subscriber sees every acknowledged event exactly once, in readAll order', async () => {
      await fc.assert(
        fc.asyncProperty(scenario(withDrops), async (s) => {
          const started = performance.now();
          await runScenario(fixture, s);
          if (process.env.FC_TIMING) console.log(`run: ${(performance.now() - started).toFixed(0)} ms`);
        }),
        propertyParameters(runs),
      );
    });
  });
}

describeProperty("postgres server", createPostgresFixture, 30, true);
describeProperty('PGlite', createPgliteFixture, 10, true);
