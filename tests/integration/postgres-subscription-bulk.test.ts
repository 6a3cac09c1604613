/**
 * Subscription.takeBuffered on the Postgres store: a consumer takes the events already read (a
 * catching-up page, or the shared window at the head) in bulk between iterations, and the
 * iteration goes on after them — every event once, in order, whether taken one by one or in bulk.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { START } from '../../gateways/event-store/position.js';
import type { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { usePostgresStore } from '../support/postgres-store.js';

const event = (type: string, n: number) => ({ id: uuidv7(), type, data: { n } });

describe('Postgres subscription: takeBuffered', () => {
  const world = usePostgresStore('subscription_bulk', { client: { max: 4 }, store: { subscriptionPageSize: 40, tailEvents: 100 } });

  it('hands out the read events in bulk, then goes on after them, catching up and at the head', async () => {
    const { store } = world;
    const from = await store.headPosition();
    // 100 events to catch up on (pages of 40), in appends of 10, half of them filtered out.
    for (let i = 0; i < 10; i++) {
      await store.append(`bulk-${i}`, Array.from({ length: 10 }, (_, j) => event(j % 2 === 0 ? 'Kept' : 'Other', i * 10 + j)));
    }
    const subscription = store.subscribeToAll({ fromPosition: from, filter: { eventTypes: ['Kept'] } });
    const seen: RecordedEvent[] = [];
    const bulks: number[] = [];
    let appendedAtHead = false;
    for await (const first of subscription) {
      seen.push(first);
      expect(subscription.takeBuffered!(0)).toEqual([]);
      const more = subscription.takeBuffered!(7);
      bulks.push(more.length);
      seen.push(...more);
      if (seen.length === 50 && !appendedAtHead) {
        appendedAtHead = true;
        for (let i = 10; i < 14; i++) {
          await store.append(`bulk-${i}`, Array.from({ length: 10 }, (_, j) => event(j % 2 === 0 ? 'Kept' : 'Other', i * 10 + j)));
        }
      }
      if (seen.length >= 70) break;
    }
    await subscription.close();
    expect(seen.map((e) => e.data.n)).toEqual(Array.from({ length: 70 }, (_, k) => k * 2));
    expect(seen.every((e) => e.type === 'Kept')).toBe(true);
    // Bulk takes happened (up to 7 each), and never across the end of what was read.
    expect(Math.max(...bulks)).toBe(7);
    expect(new Set(seen.map((e) => e.id)).size).toBe(70);
    expect(subscription.takeBuffered!(10)).toEqual([]);
  });

  it('takes nothing before the first event is read, and every event of a store read from the start once', async () => {
    const { store } = world;
    const subscription = store.subscribeToAll({ fromPosition: START });
    expect(subscription.takeBuffered!(5)).toEqual([]);
    const total = (await collect(store)).length;
    const seen: RecordedEvent[] = [];
    for await (const first of subscription) {
      seen.push(first, ...subscription.takeBuffered!(1_000));
      if (seen.length >= total) break;
    }
    await subscription.close();
    expect(seen.map((e) => e.position)).toEqual((await collect(store)).map((e) => e.position));
  });
});

async function collect(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of store.readAll()) events.push(e);
  return events;
}
