/**
 * How far a follower of the global order is behind the head: in events when the store counts
 * cheaply (`countAfter`: the Postgres store counts along its primary key up to a cap), and in
 * milliseconds (age of the oldest event not yet handled).
 */
import type { EventStore, Position } from '../event-store/port.js';
import { START } from '../event-store/position.js';

/** Counting stops here: past it, "at least" is enough. */
export const LAG_COUNT_CAP = 100_000;

export interface Lag {
  head: Position;
  atHead: boolean;
  /** Events after the checkpoint up to the head; null when counting is not cheap (EventStoreDB). */
  events: number | null;
  /** `events` is a lower bound: counting stopped at LAG_COUNT_CAP. */
  eventsCapped: boolean;
  /** Milliseconds since the oldest event after the checkpoint was stored; 0 at the head. */
  ms: number;
}

export async function measureLag(store: EventStore, checkpoint: Position | null, now = Date.now()): Promise<Lag> {
  const from = checkpoint ?? START;
  const head = await store.headPosition();
  if (store.comparePositions(from, head) >= 0) return { head, atHead: true, events: 0, eventsCapped: false, ms: 0 };
  let oldest: number | undefined;
  for await (const event of store.readAll({ fromPosition: from, maxCount: 1 })) oldest = Date.parse(event.occurredAt);
  const ms = oldest === undefined ? 0 : Math.max(0, now - oldest);
  const events = await store.countAfter(from, LAG_COUNT_CAP);
  return { head, atHead: false, events, eventsCapped: events !== null && events >= LAG_COUNT_CAP, ms };
}
