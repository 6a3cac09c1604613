/**
 * A subscription to the global order: reads pages from a cursor, then sleeps until woken by a
 * notification (or a slow safety poll). It survives lost connections by retrying from its cursor,
 * so nothing is skipped or delivered twice.
 */
import type { Logger } from 'pino';
import { SqlConnectionError } from '../../sql/port.js';
import { EventStoreUnavailableError } from '../errors.js';
import type { EventFilter, RecordedEvent, Subscription } from '../port.js';
import { maxPosition, type Position } from '../position.js';
import type { Page } from './store.js';
import type { Wakeups } from './wakeups.js';

/** Without notifications (lost connection) we poll this often. */
const POLL_WHILE_DEAF_MS = 250;
/** With notifications, a safety poll in case one went missing (e.g. its sender crashed). */
const SAFETY_POLL_MS = 2_000;
const HELD_BACK_MAX_MS = 100;
const RETRY_MAX_MS = 2_000;

interface PageReader {
  readPage(after: Position, limit: number, filter: EventFilter | undefined, options?: { shared?: boolean }): Promise<Page>;
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

  constructor(
    private readonly reader: PageReader,
    private readonly wakeups: Wakeups,
    private readonly logger: Logger,
    private readonly options: PostgresSubscriptionOptions,
  ) {}

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
    let cursor = this.options.from;
    let heldBackDelay = 0;
    let retryDelay = 0;
    this.wakeups.acquire();
    try {
      // While the events of a page that is not the last are handed out, the next page is read.
      let ahead: { seen: number; page: Promise<Page> } | undefined;
      // At the head (the last page read was the last one), the next page is read afresh, not shared.
      let atHead = false;
      while (!signal.aborted) {
        const read = ahead ?? { seen: this.wakeups.generation, page: this.reader.readPage(cursor, pageSize, filter, { shared: !atHead }) };
        ahead = undefined;
        const seen = read.seen;
        let page: Page;
        try {
          page = await read.page;
        } catch (error) {
          if (!(error instanceof SqlConnectionError || error instanceof EventStoreUnavailableError)) throw error;
          if (retryDelay === 0) this.logger.warn({ err: error, cursor }, 'subscription: read failed; retrying');
          retryDelay = Math.min(Math.max(retryDelay * 2, 25), RETRY_MAX_MS);
          await sleep(retryDelay, signal);
          continue;
        }
        atHead = page.exhausted;
        if (!page.exhausted) {
          ahead = { seen: this.wakeups.generation, page: this.reader.readPage(maxPosition(cursor, page.next), pageSize, filter) };
          ahead.page.catch(() => undefined);
        }
        if (retryDelay > 0) this.logger.info({ cursor }, 'subscription: reads resumed');
        retryDelay = 0;
        for (const event of page.events) {
          if (signal.aborted) return;
          cursor = event.position;
          yield event;
        }
        cursor = maxPosition(cursor, page.next);
        if (!page.exhausted) continue;
        this.options.onProgress?.(cursor);
        if (page.heldBack) {
          // An older transaction is still running; its commit (or a short wait) lets us read on.
          heldBackDelay = Math.min(Math.max(heldBackDelay * 2, 2), HELD_BACK_MAX_MS);
          await this.wakeups.wait(seen, heldBackDelay, signal);
        } else {
          heldBackDelay = 0;
          await this.wakeups.wait(seen, this.wakeups.pollInterval(SAFETY_POLL_MS, POLL_WHILE_DEAF_MS), signal);
        }
      }
    } finally {
      this.wakeups.release();
      void this.close();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
