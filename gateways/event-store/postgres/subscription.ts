/**
 * A subscription to the global order: reads pages from a cursor until it reaches the store's
 * shared window of the head (tail.ts), then takes its events from there after each wake-up by a
 * notification (or a slow safety poll). It survives lost connections by retrying from its cursor,
 * so nothing is skipped or delivered twice.
 */
import type { Logger } from 'pino';
import { SqlConnectionError } from '../../sql/port.js';
import { EventStoreUnavailableError } from '../errors.js';
import type { EventFilter, RecordedEvent, Subscription } from '../port.js';
import { maxPosition, type Position } from '../position.js';
import type { Page } from './store.js';
import type { Tail } from './tail.js';
import type { Wakeups } from './wakeups.js';
import { Backoff } from '../../backoff.js';

/** Without notifications (lost connection) we poll this often. */
const POLL_WHILE_DEAF_MS = 250;
/** With notifications, a safety poll in case one went missing (e.g. its sender crashed). */
const SAFETY_POLL_MS = 2_000;
const HELD_BACK_MIN_MS = 2;
const HELD_BACK_MAX_MS = 100;
const RETRY_MIN_MS = 25;
const RETRY_MAX_MS = 2_000;

interface PageReader {
  readPage(after: Position, limit: number, filter: EventFilter | undefined, options?: { shared?: boolean; reader?: object }): Promise<Page>;
}

export interface PostgresSubscriptionOptions {
  from: Position;
  filter: EventFilter | undefined;
  onProgress: ((position: Position) => void) | undefined;
  pageSize: number;
  onClose: () => void;
}

export class PostgresSubscription implements Subscription {
  private readonly abort = new AbortController();
  private started = false;
  /** Where the iteration stands: the last event delivered, or past what the last read scanned. */
  private cursor: Position;
  /** The events read and not yet delivered are buffer[next...]. */
  private buffer: readonly RecordedEvent[] = NONE;
  private next = 0;

  constructor(
    private readonly reader: PageReader,
    private readonly tail: Tail,
    private readonly wakeups: Wakeups,
    private readonly logger: Logger,
    private readonly options: PostgresSubscriptionOptions,
  ) {
    this.cursor = options.from;
  }

  takeBuffered(max: number): RecordedEvent[] {
    const end = Math.min(this.buffer.length, this.next + Math.max(0, Math.floor(max)));
    if (end <= this.next || this.abort.signal.aborted) return [];
    const events = this.buffer.slice(this.next, end);
    this.next = end;
    this.cursor = events[events.length - 1]!.position;
    return events;
  }

  async close(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.options.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.started) throw new Error('a subscription can be iterated only once');
    this.started = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    const { signal } = this.abort;
    const { filter, pageSize } = this.options;
    const tail = this.tail;
    const heldBackDelay = new Backoff({ minMs: HELD_BACK_MIN_MS, maxMs: HELD_BACK_MAX_MS });
    const retryDelay = new Backoff({ minMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS });
    const retry = async (error: unknown): Promise<void> => {
      if (!(error instanceof SqlConnectionError || error instanceof EventStoreUnavailableError)) throw error;
      if (!retryDelay.failing) this.logger.warn({ err: error, cursor: this.cursor }, 'subscription: read failed; retrying');
      await retryDelay.wait(signal);
    };
    const resumed = (): void => {
      if (retryDelay.failing) this.logger.info({ cursor: this.cursor }, 'subscription: reads resumed');
      retryDelay.reset();
    };
    /** Waits at the head for a wake-up after `seen` (or a poll); says whether one came. */
    const waitAtHead = async (seen: number, heldBack: boolean): Promise<boolean> => {
      if (heldBack) {
        // An older transaction is still running; its commit (or a short wait) lets us read on.
        await this.wakeups.wait(seen, heldBackDelay.next(), signal);
      } else {
        heldBackDelay.reset();
        await this.wakeups.wait(seen, this.wakeups.pollInterval(SAFETY_POLL_MS, POLL_WHILE_DEAF_MS), signal);
      }
      return this.wakeups.generation !== seen;
    };
    let joined = false;
    this.wakeups.acquire();
    try {
      // While the events of a page that is not the last are handed out, the next page is read.
      let ahead: { seen: number; page: Promise<Page> } | undefined;
      // At the head (the last page read was the last one), the next page is read afresh, not shared.
      let atHead = false;
      // The tail's refresh to await before looking again: one that began after a wake-up (its
      // generation) or after the last one this subscription saw (its number).
      let want: { refresh: number; generation: number } | undefined;
      while (!signal.aborted) {
        if (want) {
          try {
            if ((await unlessClosed(tail.refresh(want.refresh, want.generation), signal)) === CLOSED) return;
          } catch (error) {
            await retry(error);
            continue;
          }
          want = undefined;
        }

        // At the head, within the shared window: take the events after the cursor from it.
        const taken = ahead ? undefined : tail.take(this.cursor, filter);
        if (taken) {
          resumed();
          if (!joined) tail.join();
          joined = true;
          // One at a time, less what takeBuffered takes meanwhile.
          this.buffer = taken.events;
          this.next = 0;
          while (this.next < this.buffer.length) {
            if (signal.aborted) return;
            const event = this.buffer[this.next++]!;
            this.cursor = event.position;
            yield event;
          }
          this.buffer = NONE;
          this.cursor = taken.to;
          if (!taken.exhausted) {
            want = { refresh: taken.refresh + 1, generation: 0 };
            continue;
          }
          this.options.onProgress?.(this.cursor);
          const woken = await waitAtHead(taken.generation, taken.heldBack);
          want = { refresh: taken.refresh + 1, generation: woken ? taken.generation + 1 : 0 };
          continue;
        }
        if (joined) tail.leave();
        joined = false;

        // Behind the window (catching up) or before there is one: pages from Postgres.
        const read = ahead ?? { seen: this.wakeups.generation, page: this.reader.readPage(this.cursor, pageSize, filter, { shared: !atHead, reader: this }) };
        ahead = undefined;
        const seen = read.seen;
        let page: Page;
        try {
          const outcome = await unlessClosed(read.page, signal);
          if (outcome === CLOSED) return;
          page = outcome;
        } catch (error) {
          await retry(error);
          continue;
        }
        atHead = page.exhausted;
        const next = maxPosition(this.cursor, page.next);
        // Read ahead, unless the next page starts within the window.
        if (!page.exhausted && !tail.covers(next)) {
          ahead = { seen: this.wakeups.generation, page: this.reader.readPage(next, pageSize, filter, { reader: this }) };
          ahead.page.catch(() => undefined);
        }
        resumed();
        this.buffer = page.events;
        this.next = 0;
        while (this.next < this.buffer.length) {
          if (signal.aborted) return;
          const event = this.buffer[this.next++]!;
          this.cursor = event.position;
          yield event;
        }
        this.buffer = NONE;
        const cursor = (this.cursor = maxPosition(this.cursor, page.next));
        if (!page.exhausted) continue;
        // Everything up to the cursor is final: the window may start here if it has no users.
        tail.anchor(cursor, seen, page.heldBack);
        // Within the window now: go on from there (it reports progress and waits).
        if (tail.covers(cursor)) continue;
        this.options.onProgress?.(cursor);
        const woken = await waitAtHead(seen, page.heldBack);
        // A window that ends before the cursor is refreshed first: it may then cover it.
        if (tail.endsBefore(cursor)) want = woken ? { refresh: 0, generation: seen + 1 } : { refresh: tail.refreshes + 1, generation: 0 };
      }
    } finally {
      if (joined) tail.leave();
      this.wakeups.release();
      void this.close();
    }
  }
}

const CLOSED = Symbol('closed');
const NONE: readonly RecordedEvent[] = [];

/**
 * The read's outcome, or CLOSED as soon as the subscription is closed: closing does not wait for a
 * read that hangs (a lock held elsewhere, a server that stopped answering). The read goes on and
 * its outcome, whatever it is, is dropped.
 */
function unlessClosed<T>(read: Promise<T>, signal: AbortSignal): Promise<T | typeof CLOSED> {
  if (signal.aborted) {
    read.catch(() => undefined);
    return Promise.resolve(CLOSED);
  }
  return new Promise((resolve, reject) => {
    const onClose = (): void => {
      read.catch(() => undefined);
      resolve(CLOSED);
    };
    signal.addEventListener('abort', onClose, { once: true });
    read.then(
      (value) => {
        signal.removeEventListener('abort', onClose);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onClose);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
