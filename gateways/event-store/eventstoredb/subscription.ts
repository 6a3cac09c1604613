/**
 * A subscription to the global order on EventStoreDB. The server catches up and then goes live on
 * one subscription call; when that call fails (dropped connection, server restart) we subscribe
 * again from the last event we saw, skipping anything at or before it, so nothing is skipped or
 * delivered twice.
 */
import type { AllStreamRecordedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { Logger } from 'pino';
import { EventStoreUnavailableError } from '../errors.js';
import type { RecordedEvent, Subscription } from '../port.js';
import { comparePositions, type Position } from '../position.js';
import { fromEsdbPosition } from './codec.js';
import { translateDriverError } from './driver-errors.js';
import { Backoff } from '../../backoff.js';

const RETRY_MIN_MS = 25;
const RETRY_MAX_MS = 2_000;

export interface EventStoreDbSubscriptionOptions {
  /** Exclusive. */
  from: Position;
  /** Opens one driver subscription delivering events from `from` (inclusive or not: we skip it). */
  open: (from: Position) => AllStreamSubscription;
  /** The event to deliver for a record, or undefined to pass over it (system, filtered out). */
  select: (stored: AllStreamRecordedEvent, position: Position) => RecordedEvent | undefined;
  /** Told each position passed over without delivering an event (see SubscribeOptions.onProgress). */
  onProgress: ((position: Position) => void) | undefined;
  onClose: () => void;
}

const ABORTED = Symbol('aborted');

export class EventStoreDbSubscription implements Subscription {
  private readonly abort = new AbortController();
  private started = false;
  /** The driver subscription in use, released by close() even while the consumer holds an event. */
  private driver: AllStreamSubscription | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly options: EventStoreDbSubscriptionOptions,
  ) {}

  async close(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    if (this.driver) letGo(this.driver);
    this.options.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.started) throw new Error('a subscription can be iterated only once');
    this.started = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    const { signal } = this.abort;
    const { open, select } = this.options;
    let cursor = this.options.from;
    const retryDelay = new Backoff({ minMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS });
    try {
      while (!signal.aborted) {
        let driver: AllStreamSubscription | undefined;
        try {
          driver = open(cursor);
          this.driver = driver;
          // Errors reach us through the iterator; this keeps a late one (after we let go of the
          // driver subscription) from being an unhandled 'error' event.
          driver.on('error', ignore);
          const iterator = driver[Symbol.asyncIterator]();
          for (;;) {
            const next = await nextUnlessAborted(iterator, signal);
            if (next === ABORTED) return;
            if (next.done) break;
            const stored = next.value.event;
            if (!stored) continue;
            const position = fromEsdbPosition(stored.position);
            if (comparePositions(position, cursor) <= 0) continue;
            cursor = position;
            if (retryDelay.failing) {
              this.logger.info({ cursor }, 'subscription: resumed');
              retryDelay.reset();
            }
            const event = select(stored, position);
            if (!event) {
              this.options.onProgress?.(position);
              continue;
            }
            yield event;
            if (signal.aborted) return;
          }
          this.logger.info({ cursor }, 'subscription: the server ended it; subscribing again');
        } catch (error) {
          const failure = translateDriverError(error);
          if (!(failure instanceof EventStoreUnavailableError)) throw failure;
          if (!retryDelay.failing) this.logger.warn({ err: error, cursor }, 'subscription: connection lost; subscribing again');
        } finally {
          if (driver) letGo(driver);
          this.driver = undefined;
        }
        await retryDelay.wait(signal);
      }
    } finally {
      void this.close();
    }
  }
}

/** The iterator's next result, or ABORTED as soon as `signal` fires (the pending read is dropped). */
function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Cancels the server call and releases the stream; neither waits for the other side. */
function letGo(driver: AllStreamSubscription): void {
  driver.unsubscribe().catch(ignore);
  driver.destroy();
}

function ignore(): void {}
