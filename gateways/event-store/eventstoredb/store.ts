/**
 * The KurrentDB (formerly EventStoreDB) adapter (`@kurrent/kurrentdb-client`, gRPC). It behaves
 * as the Postgres adapter does, and where the server differs the adapter makes up for it:
 * - event ids are unique across streams through id claims (claims.ts); a batch that may have been
 *   stored before is looked up in its stream by its ids (the server's own check is best effort);
 * - an append reads back the batch's last event, for the position readers of $all will see;
 * - reads and subscriptions of $all are filtered on the server, as far as one filter (stream
 *   prefixes or event types) allows; the rest of the filter is checked here (filter.ts);
 * - `fromPosition` is exclusive (the server's read bound is inclusive: that event is skipped);
 * - system records ($-types, $-streams) never reach readers;
 * - deleteStream writes a tombstone: the stream refuses appends and reads for good, while its
 *   events stay in $all until a scavenge; 'exists' is checked by revision (tombstone.ts);
 * - an optional namespace lets several stores share one server (namespace.ts).
 */
import { KurrentDBClient, WrongExpectedVersionError, type AllStreamRecordedEvent } from '@kurrent/kurrentdb-client';
import { pino, type Logger } from 'pino';
import { EventIdConflictError, EventStoreError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import type {
  AppendOptions,
  AppendOutcome,
  AppendResult,
  DeleteStreamOptions,
  EventFilter,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamRevision,
  SubscribeOptions,
  Subscription,
} from '../port.js';
import { START, comparePositions, parsePosition, type Position } from '../position.js';
import {
  prepareAppend,
  validateExpectedRevision,
  validateFilter,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamName,
  type PreparedEvent,
} from '../validation.js';
import { claimIds, claimStreamName } from './claims.js';
import { clientConnectionString } from './connection-string.js';
import { fromEsdbPosition, isSystemEvent, toDriverExpected, toEventData, toReadPosition, toRecordedEvent } from './codec.js';
import { translateDriverError, type ErrorContext } from './driver-errors.js';
import { matchesFilter, serverFilter } from './filter.js';
import { classifyStoredBatch, type StoredId } from './idempotency.js';
import { namespace, type Namespace } from './namespace.js';
import { readAllPage, readStreamPage, type StreamPageRequest } from './pages.js';
import { EventStoreDbSubscription } from './subscription.js';
import { tombstone } from './tombstone.js';
import { Backoff, CALL_RETRY } from '../../backoff.js';

export interface EventStoreDbEventStoreOptions {
  logger?: Logger;
  /** Events per read call (default 1,000; at least 2). */
  pageSize?: number;
  /** Keep this store's streams apart from other stores on the same server (see namespace.ts). */
  namespace?: string;
}

interface Batch {
  stream: string;
  events: PreparedEvent[];
  expectedRevision: ExpectedRevision;
}

const APPEND_ATTEMPTS = 4;
const READ_ATTEMPTS = 4;
const HEAD_FIRST_PAGE = 8;

export class EventStoreDbEventStore implements EventStore {
  private readonly logger: Logger;
  private readonly pageSize: number;
  private readonly names: Namespace;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  /** Fires on close(): reads cut short by the client's disposal fail instead of ending early. */
  private readonly closing = new AbortController();

  private constructor(
    private readonly client: KurrentDBClient,
    options: EventStoreDbEventStoreOptions,
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.pageSize = Math.max(2, options.pageSize ?? 1_000);
    this.names = namespace(options.namespace);
  }

  /**
   * Connects with a connection string (`kurrentdb://host:2113?tls=false`, or `esdb://…`; see
   * connection-string.ts) and checks the server answers.
   */
  static async connect(connectionString: string, options: EventStoreDbEventStoreOptions = {}): Promise<EventStoreDbEventStore> {
    namespace(options.namespace); // refuses a bad namespace before a client exists
    const store = new EventStoreDbEventStore(KurrentDBClient.connectionString(clientConnectionString(connectionString)), options);
    try {
      await store.withRetries(READ_ATTEMPTS, () => store.readAllPage('end', 'backwards', undefined, 1));
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async append(stream: string, events: readonly unknown[], options?: AppendOptions): Promise<AppendResult> {
    const batch = prepareAppend(stream, events, options);
    const data = batch.events.map(toEventData);
    const ids = batch.events.map((event) => event.id);
    const context = { stream: batch.stream, expected: batch.expectedRevision };
    return this.withRetries(
      APPEND_ATTEMPTS,
      async () => {
        const claims = await claimIds(
          this.client,
          { stream: batch.stream, ids, claimStreamOf: (id) => claimStreamName(this.names.toStored(id)) },
          this.closing.signal,
        );
        if (claims.includes('theirs')) throw new EventIdConflictError(batch.stream, ids);
        // Claimed before, by this stream: an earlier try may have stored the batch, or part of it.
        if (claims.includes('ours')) {
          const stored = await this.findStoredBatch(batch);
          if (stored) return stored;
        }
        let nextExpectedRevision: StreamRevision;
        try {
          const result = await this.client.appendToStream(this.names.toStored(batch.stream), data, {
            streamState: toDriverExpected(batch.expectedRevision),
          });
          if (!result.success) {
            // Only with throwOnAppendFailure=false in the connection string.
            throw new WrongExpectedRevisionError(batch.stream, batch.expectedRevision, await this.currentRevision(batch.stream));
          }
          nextExpectedRevision = result.nextExpectedRevision;
        } catch (error) {
          if (error instanceof WrongExpectedVersionError || error instanceof WrongExpectedRevisionError) {
            // An earlier try of this very batch (or a concurrent one) may have been stored.
            const stored = await this.findStoredBatch(batch);
            if (stored) return stored;
          }
          throw error;
        }
        return this.confirmAppend(batch, nextExpectedRevision);
      },
      context,
    );
  }

  /**
   * KurrentDB has no transaction across streams that could also carry the id claims: the appends
   * of different streams run at once, those of one stream one after another, in the order given.
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]> {
    const outcomes = new Array<AppendOutcome>(appends.length);
    const byStream = new Map<unknown, number[]>();
    appends.forEach((append, i) => byStream.set(append.stream, [...(byStream.get(append.stream) ?? []), i]));
    await Promise.all(
      [...byStream.values()].map(async (indexes) => {
        for (const i of indexes) {
          const append = appends[i]!;
          try {
            outcomes[i] = { ok: true, result: await this.append(append.stream, append.events, append.options) };
          } catch (error) {
            if (!(error instanceof EventStoreError)) throw error;
            outcomes[i] = { ok: false, error };
          }
        }
      }),
    );
    return outcomes;
  }

  async *readStream(stream: string, options?: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    validateStreamName(stream);
    const { direction, fromRevision, maxCount } = validateReadStreamOptions(options);
    const forwards = direction === 'forwards';
    const context = { stream };
    if (maxCount === 0) {
      // Nothing to yield, but a deleted stream still has to say so.
      await this.withRetries(READ_ATTEMPTS, () => this.readStreamPage({ stream, from: fromRevision, forwards, limit: 1 }), context);
      return;
    }
    let remaining = maxCount ?? Number.POSITIVE_INFINITY;
    let from: bigint | undefined = fromRevision;
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const page = await this.withRetries(READ_ATTEMPTS, () => this.readStreamPage({ stream, from, forwards, limit }), context);
      for (const event of page) yield event;
      remaining -= page.length;
      if (page.length < limit) return;
      const last = page[page.length - 1]!.revision;
      if (!forwards && last === 0n) return;
      from = forwards ? last + 1n : last - 1n;
    }
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    validateReadAllOptions(options);
    const filter = options?.filter;
    let cursor = options?.fromPosition ?? START;
    let remaining = options?.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const after = cursor;
      const page = await this.withRetries(READ_ATTEMPTS, () => this.readAllPage(after, 'forwards', filter));
      let advanced = false;
      for (const stored of page) {
        const position = fromEsdbPosition(stored.position);
        if (comparePositions(position, cursor) <= 0) continue;
        cursor = position;
        advanced = true;
        const event = this.select(stored, position, filter);
        if (!event) continue;
        yield event;
        remaining -= 1;
        if (remaining <= 0) return;
      }
      if (!advanced || page.length < this.pageSize) return;
    }
  }

  subscribeToAll(options?: SubscribeOptions): Subscription {
    if (options?.fromPosition !== undefined) parsePosition(options.fromPosition);
    validateFilter(options?.filter);
    const filter = options?.filter;
    const subscription = new EventStoreDbSubscription(this.logger, {
      from: options?.fromPosition ?? START,
      // With onProgress the server filters only by namespace, so every record passes through here
      // and progress past filtered-out events is exact (the server's checkpoints arrive out of
      // step with what the consumer has taken, so they cannot be used for this).
      open: (from) =>
        this.client.subscribeToAll({
          fromPosition: toReadPosition(from),
          filter: serverFilter(options?.onProgress ? undefined : filter, this.names.prefix),
        }),
      onProgress: options?.onProgress,
      select: (stored, position) => this.select(stored, position, filter),
      onClose: () => this.subscriptions.delete(subscription),
    });
    if (this.closing.signal.aborted) void subscription.close();
    else this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * The newest event a reader of this store can see, read backwards from the end of $all (filtered
   * on the server to this store's events) in pages that start small: the newest record is usually one.
   */
  async headPosition(): Promise<Position> {
    let before: Position | 'end' = 'end';
    for (let limit = Math.min(HEAD_FIRST_PAGE, this.pageSize); ; limit = Math.min(limit * 2, this.pageSize)) {
      const from = before;
      const page = await this.withRetries(READ_ATTEMPTS, () => this.readAllPage(from, 'backwards', undefined, limit));
      let advanced = false;
      for (const stored of page) {
        const position = fromEsdbPosition(stored.position);
        if (before !== 'end' && comparePositions(position, before) >= 0) continue;
        before = position;
        advanced = true;
        if (this.select(stored, position, undefined)) return position;
      }
      if (!advanced || page.length < limit) return START;
    }
  }

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    validateStreamName(stream);
    const expected: ExpectedRevision = options?.expectedRevision ?? 'any';
    validateExpectedRevision(expected);
    await this.withRetries(
      APPEND_ATTEMPTS,
      () =>
        tombstone(this.client, {
          stream,
          storedStream: this.names.toStored(stream),
          expected,
          lastRevision: () => this.currentRevision(stream),
        }),
      { stream, expected },
    );
  }

  /** Not cheap here: counting would read every event after `after`. */
  async countAfter(): Promise<null> {
    return null;
  }

  comparePositions(a: Position, b: Position): number {
    return comparePositions(a, b);
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort(new Error('the event store is closed'));
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  /** What readers of $all get for a record: nothing for system records, other namespaces, filtered-out events. */
  private select(stored: AllStreamRecordedEvent, position: Position, filter: EventFilter | undefined): RecordedEvent | undefined {
    if (isSystemEvent(stored)) return undefined;
    const stream = this.names.fromStored(stored.streamId);
    if (stream === undefined || !matchesFilter(filter, { streamId: stream, type: stored.type })) return undefined;
    return toRecordedEvent(stored, position, stream);
  }

  /**
   * The original result when the batch's ids are stored already as one contiguous run in the
   * stream; undefined when none is; EventIdConflictError when only some are (or are scattered).
   */
  private async findStoredBatch(batch: Batch): Promise<AppendResult | undefined> {
    const ids = new Set(batch.events.map((event) => event.id));
    const found: StoredId[] = [];
    let from: bigint | undefined;
    for (;;) {
      const page = await this.readStreamPage({ stream: batch.stream, from, forwards: true, limit: this.pageSize });
      for (const event of page) if (ids.has(event.id)) found.push(event);
      if (page.length < this.pageSize) break;
      from = page[page.length - 1]!.revision + 1n;
    }
    const stored = classifyStoredBatch([...ids], found);
    if (stored.kind === 'conflict') throw new EventIdConflictError(batch.stream, [...ids]);
    return stored.kind === 'stored' ? stored.result : undefined;
  }

  /**
   * Reads back the batch's last event: its position is the one readers of $all will see (the
   * append response's position is not always that event's, and is absent for idempotent writes).
   */
  private async confirmAppend(batch: Batch, nextRevision: StreamRevision): Promise<AppendResult> {
    const lastId = batch.events[batch.events.length - 1]!.id;
    const [last] = await this.readStreamPage({ stream: batch.stream, from: nextRevision, forwards: true, limit: 1 });
    if (last?.id === lastId) return { nextRevision, position: last.position };
    // The server answered for an earlier copy of the batch numbered differently: look it up.
    const stored = await this.findStoredBatch(batch);
    if (stored) return stored;
    throw new Error(
      `append to ${batch.stream}: the server acknowledged revision ${nextRevision}, but the batch is not in the stream`,
    );
  }

  private async currentRevision(stream: string): Promise<StreamRevision | 'no_stream'> {
    const [last] = await this.readStreamPage({ stream, from: undefined, forwards: false, limit: 1 });
    return last ? last.revision : 'no_stream';
  }

  private readStreamPage(request: Omit<StreamPageRequest, 'storedStream'>): Promise<RecordedEvent[]> {
    return readStreamPage(this.client, { ...request, storedStream: this.names.toStored(request.stream) }, this.closing.signal);
  }

  /** One page of $all, filtered on the server as far as it can (`filter` undefined: every event of this store). */
  private readAllPage(
    from: Position | 'end',
    direction: 'forwards' | 'backwards',
    filter: EventFilter | undefined,
    limit = this.pageSize,
  ): Promise<AllStreamRecordedEvent[]> {
    return readAllPage(
      this.client,
      { from, direction, limit, filter: serverFilter(filter, this.names.prefix) },
      this.closing.signal,
    );
  }

  /**
   * Runs `work`, retrying when the connection failed, and translates driver errors. Appends are
   * safe to retry: a batch that was stored before the connection dropped is found by its ids.
   */
  private async withRetries<T>(attempts: number, work: () => Promise<T>, context: ErrorContext = {}): Promise<T> {
    let backoff: Backoff | undefined; // made on the first failure only (reads are hot)
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        const failure = translateDriverError(error, context);
        if (!(failure instanceof EventStoreUnavailableError) || attempt >= attempts || this.closing.signal.aborted) throw failure;
        this.logger.debug({ err: error, attempt }, 'event store call failed; retrying');
        await (backoff ??= new Backoff(CALL_RETRY)).wait();
      }
    }
  }
}
