/**
 * The Postgres event store adapter: one SQL implementation behind the SqlClient port, run on a
 * PostgreSQL server (node `pg`) or on PGlite (embedded mode).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { SqlConnectionError, type SqlClient } from '../../sql/port.js';
import {
  EventStoreUnavailableError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type {
  AppendOptions,
  AppendOutcome,
  AppendResult,
  DeleteStreamOptions,
  EventFilter,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  JsonObject,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  StreamAppend,
  Subscription,
} from '../port.js';
import { START, comparePositions, formatPosition, maxPosition, parsePosition, type Position } from '../position.js';
import {
  prepareAppend,
  validateExpectedRevision,
  validateFilter,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamName,
} from '../validation.js';
import { ForeignTransactions, horizonSql } from './horizon.js';
import { EVENT_COLUMNS, pageQuery } from './read-page.js';
import { appendManyPrepared, appendPrepared, actualRevision, type AppendContext } from './append.js';
import { GroupAppender } from './appender.js';
import { SharedPages, type Page } from './shared-pages.js';
import { ensureEventStoreSchema } from './schema.js';
import { PostgresSubscription } from './subscription.js';
import { Tail } from './tail.js';
import { Wakeups } from './wakeups.js';
import { Backoff, CALL_RETRY } from '../../backoff.js';

export interface PostgresEventStoreOptions {
  logger?: Logger;
  /** Events per page for reads (default 1,000). */
  pageSize?: number;
  /**
   * Events per page for a subscription reading behind the head (default 5,000, or pageSize when
   * that is given): a projection catching up reads the history in fewer, larger round trips (and
   * takes each page in bulk).
   */
  subscriptionPageSize?: number;
  /** Close the SqlClient when the store is closed. */
  ownsClient?: boolean;
  /** Minimum spacing of NOTIFYs to other processes (default 2 ms). */
  notifyIntervalMs?: number;
  /** Events kept in the shared window of the head (default TAIL_MAX_EVENTS, 10,000). */
  tailEvents?: number;
  /** Appends running at once before the next ones are grouped into one transaction (default 4). */
  appendConcurrency?: number;
}

interface EventRow {
  pos_tx: string;
  pos_seq: string;
  id: string;
  stream_name: string;
  rev: string;
  event_type: string;
  data: JsonObject;
  metadata: EventMetadata;
  /** ISO 8601 in UTC without the zone, from `to_json` (DateStyle does not change it). */
  occurred_at: string;
}

export type { Page } from './shared-pages.js';

const DELETE_ATTEMPTS = 4;
const READ_ATTEMPTS = 4;
/** How long a read waits for a held-back end of the order to pass what had committed (readAll). */
const HELD_BACK_READ_MS = 5_000;

export class PostgresEventStore implements EventStore {
  private readonly logger: Logger;
  private readonly pageSize: number;
  private readonly subscriptionPageSize: number;
  readonly wakeups: Wakeups;
  /** The shared window of the head that subscriptions there read from (one query per wake-up). */
  readonly tail: Tail;
  private readonly appender: GroupAppender;
  /** Running transactions known to belong to other databases: they never hold readers back. */
  private readonly foreign: ForeignTransactions;
  private readonly appendContext: AppendContext;
  private readonly subscriptions = new Set<PostgresSubscription>();
  /** Pages kept for readers asking for the same page (its `counts` show how many were shared). */
  readonly sharedPages = new SharedPages();
  private closed = false;

  private constructor(
    private readonly sql: SqlClient,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.pageSize = options.pageSize ?? 1_000;
    this.subscriptionPageSize = options.subscriptionPageSize ?? options.pageSize ?? 5_000;
    this.wakeups = new Wakeups(sql, this.logger, { minIntervalMs: options.notifyIntervalMs });
    this.appender = new GroupAppender(sql, options.appendConcurrency ?? 4);
    this.foreign = new ForeignTransactions(sql, this.logger);
    this.tail = new Tail(this, this.pageSize, () => this.wakeups.generation, options.tailEvents);
    this.appendContext = { appender: this.appender, announce: () => this.wakeups.announce(), isClosed: () => this.closed };
  }

  /** Creates the schema if needed and returns a store on it. */
  static async open(sql: SqlClient, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    await ensureEventStoreSchema(sql);
    return new PostgresEventStore(sql, options);
  }

  async append(stream: string, events: readonly unknown[], options?: AppendOptions): Promise<AppendResult> {
    return appendPrepared(this.appendContext, prepareAppend(stream, events, options));
  }

  appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]> {
    return appendManyPrepared(this.appendContext, appends);
  }

  async *readStream(stream: string, options?: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
    validateStreamName(stream);
    const { direction, fromRevision, maxCount } = validateReadStreamOptions(options);
    const tombstones = await this.withRetries(READ_ATTEMPTS, () =>
      this.sql.query<{ one: number }>('select 1 as one from es_tombstones where stream_name = $1', [stream]),
    );
    if (tombstones.length > 0) throw new StreamDeletedError(stream);
    const forwards = direction === 'forwards';
    let remaining = maxCount ?? Number.POSITIVE_INFINITY;
    let from: bigint | undefined = fromRevision;
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const rows = await this.withRetries(READ_ATTEMPTS, () =>
        this.sql.query<EventRow>(
          `select ${EVENT_COLUMNS} from es_events
            where stream_name = $1 and ($2::bigint is null or revision ${forwards ? '>=' : '<='} $2::bigint)
            order by es_events.revision ${forwards ? 'asc' : 'desc'} limit $3`,
          [stream, from === undefined ? null : from.toString(), limit],
        ),
      );
      for (const row of rows) yield toRecorded(row);
      remaining -= rows.length;
      if (rows.length < limit) return;
      const last = BigInt(rows[rows.length - 1]!.rev);
      if (!forwards && last === 0n) return;
      from = forwards ? last + 1n : last - 1n;
    }
  }

  /**
   * Every event committed before the read began, and perhaps some after. The end of the readable
   * order (the horizon) can be held back by an older transaction still open — an append here, or
   * one of another database not yet known to be foreign (horizon.ts learns those at most every
   * 100 ms) — while events after it have committed: an append acknowledged to this caller, say.
   * So a read that reaches a held-back end reads on, backing off, until the horizon has passed the
   * newest transaction with events as it was then; after HELD_BACK_READ_MS it stops there and says so.
   */
  async *readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
    validateReadAllOptions(options);
    let cursor = options?.fromPosition ?? START;
    let remaining = options?.maxCount ?? Number.POSITIVE_INFINITY;
    let heldBack: { newest: bigint; until: number; wait: Backoff } | undefined;
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const page = await this.withRetries(READ_ATTEMPTS, () => this.readPage(cursor, limit, options?.filter));
      for (const event of page.events) yield event;
      remaining -= page.events.length;
      cursor = page.next;
      if (!page.exhausted) continue;
      if (!page.heldBack) return;
      heldBack ??= { newest: await this.newestTransaction(), until: performance.now() + HELD_BACK_READ_MS, wait: new Backoff({ minMs: 2, maxMs: 100 }) };
      // Past the horizon (page.next) lie only transactions newer than the newest when it was held back.
      if (parsePosition(cursor).major > heldBack.newest) return;
      if (performance.now() > heldBack.until) {
        this.logger.warn({ horizon: cursor, newest: heldBack.newest.toString() }, `event store: a read stops at a transaction open for over ${HELD_BACK_READ_MS} ms; events committed after it are left out`);
        return;
      }
      await delay(heldBack.wait.next());
      if (this.closed) return;
    }
  }

  /** The transaction id of the newest events (0 with none). */
  private async newestTransaction(): Promise<bigint> {
    const [row] = await this.withRetries(READ_ATTEMPTS, () =>
      this.sql.query<{ tx: string }>(`select coalesce((select transaction_id from es_events order by transaction_id desc limit 1), '0')::text as tx`),
    );
    return BigInt(row?.tx ?? '0');
  }

  /**
   * One page of the global order after `after`, limited to what no running transaction can precede.
   *
   * A page that is not the last one below the visibility horizon can never change (everything in
   * it, and everything it skipped, is below a horizon: committed or aborted for good), so it is
   * shared with readers asking for the same page while it is read or shortly after. The last page
   * is not: it depends on when it is read, and a reader that was just told of a commit must read
   * afresh. A reader that expects the last page (it is at the head) asks with `shared: false`, so
   * that it does not wait for another reader's read of it only to read it again. A reader that
   * says who it is (`reader`, a subscription catching up) keeps pace with the other readers of its
   * filter, so that they share their pages (shared-pages.ts).
   */
  async readPage(after: Position, limit: number, filter: EventFilter | undefined, options?: { shared?: boolean; reader?: object }): Promise<Page> {
    if (options?.shared === false) return this.queryPage(after, limit, filter);
    return this.sharedPages.read(after, limit, filter, () => this.queryPage(after, limit, filter), options?.reader);
  }

  private async queryPage(after: Position, limit: number, filter: EventFilter | undefined): Promise<Page> {
    const page = await this.queryPageOnce(after, limit, filter);
    // Held back: perhaps by a transaction of another database; if that is news, read again.
    if (page.heldBack && (await this.foreign.learn())) return this.queryPageOnce(after, limit, filter);
    return page;
  }

  private async queryPageOnce(after: Position, limit: number, filter: EventFilter | undefined): Promise<Page> {
    const { major, minor } = parsePosition(after);
    const query = pageQuery(major.toString(), minor.toString(), limit, filter?.streamPrefixes?.map(likePrefix), filter?.eventTypes, this.foreign.known);
    const rows = await this.sql.query<{ horizon: string; held_back: boolean; window_end: string | null } & Partial<EventRow>>(query.text, query.params);
    const first = rows[0]!;
    const events = first.pos_tx === null || first.pos_tx === undefined ? [] : rows.map((row) => toRecorded(row as EventRow));
    const heldBack = first.held_back;
    if (events.length === limit) return { events, next: events[events.length - 1]!.position, exhausted: false, heldBack };
    // The window was full: more may follow it below the horizon.
    if (first.window_end) return { events, next: first.window_end, exhausted: false, heldBack };
    const last = events.length > 0 ? events[events.length - 1]!.position : after;
    return { events, next: maxPosition(last, formatPosition(first.horizon, 0)), exhausted: true, heldBack };
  }

  subscribeToAll(options?: SubscribeOptions): Subscription {
    if (options?.fromPosition !== undefined) parsePosition(options.fromPosition);
    validateFilter(options?.filter);
    const subscription = new PostgresSubscription(this, this.tail, this.wakeups, this.logger, {
      from: options?.fromPosition ?? START,
      filter: options?.filter,
      onProgress: options?.onProgress,
      pageSize: this.subscriptionPageSize,
      onClose: () => this.subscriptions.delete(subscription),
    });
    if (this.closed) void subscription.close();
    else this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<Position> {
    const read = () =>
      this.withRetries(READ_ATTEMPTS, () =>
        this.sql.query<{ tx: string | null; seq: string | null; held_back: boolean }>(
          `select h.tx, h.seq, coalesce((select m.transaction_id from es_events m order by m.transaction_id desc limit 1) >= h.horizon, false) as held_back
             from (select x.horizon, e.transaction_id::text as tx, e.seq::text as seq
                     from (select ${horizonSql(1)} as horizon) x
                     left join lateral (
                       select transaction_id, seq from es_events
                        where transaction_id < x.horizon
                        order by transaction_id desc, seq desc limit 1) e on true) h`,
          [this.foreign.known],
        ),
      );
    let [row] = await read();
    if (row?.held_back && (await this.foreign.learn())) [row] = await read();
    return row?.tx && row.seq ? formatPosition(row.tx, row.seq) : START;
  }


  /**
   * How many visible events come after `after`, counted along the primary key and stopping at
   * `cap`: a follower's lag in events (cheap here, the events being in this database).
   */
  async countAfter(after: Position, cap: number): Promise<number> {
    const { major, minor } = parsePosition(after);
    const [row] = await this.withRetries(READ_ATTEMPTS, () =>
      this.sql.query<{ n: number }>(
        `select count(*)::int as n from (
           select 1 from es_events
            where (transaction_id, seq) > ($1::text::xid8, $2::bigint)
              and transaction_id < ${horizonSql(4)}
            limit $3) behind`,
        [major.toString(), minor.toString(), cap, this.foreign.known],
      ),
    );
    return row?.n ?? 0;
  }

  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void> {
    validateStreamName(stream);
    const expected: ExpectedRevision = options?.expectedRevision === undefined ? 'any' : options.expectedRevision;
    validateExpectedRevision(expected);
    const rows = await this.withRetries(DELETE_ATTEMPTS, () =>
      this.sql.query<{ status: string; revision: string }>(
        'select status, revision::text from es_delete_stream($1, $2)',
        [stream, String(expected)],
      ),
    );
    const row = rows[0]!;
    if (row.status === 'wrong_expected') throw new WrongExpectedRevisionError(stream, expected, actualRevision(row.revision));
    if (row.status === 'deleted') throw new StreamDeletedError(stream);
  }

  comparePositions(a: Position, b: Position): number {
    return comparePositions(a, b);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.wakeups.close();
    if (this.options.ownsClient) await this.sql.close();
  }

  /**
   * Runs `work` (a read or a delete), retrying when the connection failed.
   */
  private async withRetries<T>(attempts: number, work: () => Promise<T>): Promise<T> {
    let backoff: Backoff | undefined; // made on the first failure only (reads are hot)
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof SqlConnectionError) || attempt >= attempts || this.closed) {
          if (error instanceof SqlConnectionError) {
            throw new EventStoreUnavailableError(`event store unavailable: ${error.message}`, { cause: error });
          }
          throw error;
        }
        await (backoff ??= new Backoff(CALL_RETRY)).wait();
      }
    }
  }
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.event_type,
    stream: row.stream_name,
    revision: BigInt(row.rev),
    position: formatPosition(row.pos_tx, row.pos_seq),
    occurredAt: isoMillis(row.occurred_at),
    data: row.data,
    metadata: row.metadata,
  };
}

/**
 * A UTC time as `to_json` writes it (`2026-12-07T00:39:14.102`, up to six fraction digits) in the
 * form the port gives it, `Date#toISOString`'s (`2026-12-07T00:39:14.102Z`): the fraction cut or
 * padded to milliseconds, as a Date would hold it. Reading the column as a Date instead (the
 * driver's parser, then toISOString) was 5% of a projection rebuild's CPU.
 */
export function isoMillis(utc: string): string {
  // Postgres drops trailing zeros: whole seconds have no fraction, the rest one to six digits.
  if (utc.charCodeAt(10) === 84 && utc.length === 19) return `${utc}.000Z`;
  if (utc.charCodeAt(10) === 84 && utc.charCodeAt(19) === 46 && utc.length <= 26) return `${utc.slice(0, 23).padEnd(23, '0')}Z`;
  return new Date(`${utc}Z`).toISOString();
}
