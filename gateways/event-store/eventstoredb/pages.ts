/**
 * Reads through the driver one page at a time, each page read to its end before it is used, so a
 * failed page can simply be read again.
 */
import {
  BACKWARDS,
  END,
  FORWARDS,
  START as DRIVER_START,
  StreamNotFoundError,
  type AllStreamRecordedEvent,
  type Filter,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import type { RecordedEvent, StreamRevision } from '../port.js';
import type { Position } from '../position.js';
import { knownPosition, toReadPosition, toRecordedEvent, type StoredEvent } from './codec.js';

export interface StreamPageRequest {
  /** The stream's name in the events returned. */
  stream: string;
  /** The stream's name on the server. */
  storedStream: string;
  /** Inclusive; undefined for the first event (forwards) or the last (backwards). */
  from: StreamRevision | undefined;
  forwards: boolean;
  limit: number;
}

/** One page of a stream; empty when the stream does not exist. */
export async function readStreamPage(
  client: KurrentDBClient,
  { stream, storedStream, from, forwards, limit }: StreamPageRequest,
  signal: AbortSignal,
): Promise<RecordedEvent[]> {
  try {
    const read = client.readStream(storedStream, {
      fromRevision: from ?? (forwards ? DRIVER_START : END),
      direction: forwards ? FORWARDS : BACKWARDS,
      maxCount: limit,
    });
    const page = await collect(read, signal);
    return page.flatMap((resolved) => (resolved.event ? [streamEvent(resolved.event, stream)] : []));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

export interface AllPageRequest {
  /** Inclusive (callers skip the event at `from`). */
  from: Position | 'end';
  direction: 'forwards' | 'backwards';
  /** Events the server returns at most: those that pass `filter`, found however far it has to look. */
  limit: number;
  /** Applied by the server; a page may still hold records the caller must drop (see filter.ts). */
  filter: Filter;
}

/** One page of $all as the server filtered it; fewer than `limit` records means the end was reached. */
export async function readAllPage(
  client: KurrentDBClient,
  { from, direction, limit, filter }: AllPageRequest,
  signal: AbortSignal,
): Promise<AllStreamRecordedEvent[]> {
  const read = client.readAll({
    fromPosition: from === 'end' ? END : toReadPosition(from),
    direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
    maxCount: limit,
    filter,
  });
  const page = await collect(read, signal);
  return page.flatMap((resolved) => (resolved.event ? [resolved.event] : []));
}

/** A stream read's event; servers before 22.6 send no global position with those. */
function streamEvent(stored: StoredEvent, stream: string): RecordedEvent {
  const position = knownPosition(stored.position);
  if (position === undefined) {
    throw new Error(
      `EventStoreDB sent no global position for ${stored.streamId}@${stored.revision}: server version 22.6 or later is required`,
    );
  }
  return toRecordedEvent(stored, position, stream);
}

/**
 * Every item of a driver read. A read that ends after `signal` fired (the store was closed) is an
 * error, not a short page; the driver's iterator is let go at once.
 */
async function collect<E>(read: AsyncIterable<E>, signal: AbortSignal): Promise<E[]> {
  const items: E[] = [];
  for await (const item of read) {
    signal.throwIfAborted();
    items.push(item);
  }
  signal.throwIfAborted();
  return items;
}
