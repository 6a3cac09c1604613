/**
 * Appends on Postgres, after the shared checks (validation.ts): through the group appender, with
 * retries of dropped connections (safe: event ids make a retried append idempotent), the row the
 * append function returned turned into the port's result or error, and the database's refusal of
 * an append's data (a class 22 SQLSTATE: a value jsonb or text cannot hold) turned into
 * INVALID_EVENT_DATA — an error that would only fail again, so it is never retried.
 */
import { SqlConnectionError, SqlError, UNIQUE_VIOLATION } from '../../sql/port.js';
import {
  EventIdConflictError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidInputError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type { AppendOutcome, AppendResult, StreamAppend } from '../port.js';
import { formatPosition } from '../position.js';
import { prepareAppend, type PreparedEvent } from '../validation.js';
import type { ExpectedRevision } from '../port.js';
import type { GroupAppender } from './appender.js';
import { Backoff, CALL_RETRY } from '../../backoff.js';

export interface PreparedAppend {
  stream: string;
  events: PreparedEvent[];
  expectedRevision: ExpectedRevision;
}

export interface AppendContext {
  appender: GroupAppender;
  /** Tells subscribers (here and in other processes) that something was appended. */
  announce(): void;
  isClosed(): boolean;
}

const APPEND_ATTEMPTS = 4;

/** One prepared append: stored, or refused with the port's error. */
export async function appendPrepared(context: AppendContext, batch: PreparedAppend): Promise<AppendResult> {
  const payload = appendPayload(batch.events);
  const expected = String(batch.expectedRevision);
  const row = await withAppendRetries(context, async () => {
    try {
      return await context.appender.append(batch.stream, expected, payload);
    } catch (error) {
      // Two concurrent tries of the same batch: the loser retries and finds the winner's events.
      if (error instanceof SqlError && error.sqlState === UNIQUE_VIOLATION) throw new RetryableConflict(error);
      if (error instanceof SqlError && error.sqlState?.startsWith('22')) {
        throw new InvalidInputError('INVALID_EVENT_DATA', `append to ${batch.stream}: the database refused the data (${error.message})`, { cause: error });
      }
      throw error;
    }
  });
  switch (row.status) {
    case 'ok':
    case 'duplicate':
      if (row.status === 'ok') context.announce();
      return { nextRevision: BigInt(row.revision!), position: formatPosition(row.tx!, row.seq!) };
    case 'wrong_expected':
      throw new WrongExpectedRevisionError(batch.stream, batch.expectedRevision, actualRevision(row.revision));
    case 'deleted':
      throw new StreamDeletedError(batch.stream);
    case 'id_conflict':
      throw new EventIdConflictError(batch.stream, batch.events.map((e) => e.id));
    default:
      throw new Error(`es_append returned an unknown status ${row.status}`);
  }
}

/**
 * The batch as the append functions read it (a JSON array of {id, type, data, metadata,
 * occurredAt}), put together from the JSON text the checks made. The id (a lower-case UUID), the
 * type (letters, digits and _.-) and the time (an ISO string) are quoted as they are: the checks
 * allow no character in them that JSON would escape.
 */
export function appendPayload(events: readonly PreparedEvent[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i]!;
    if (i > 0) out += ',';
    out += `{"id":"${e.id}","type":"${e.type}","data":${e.dataJson},"metadata":${e.metadataJson},"occurredAt":"${e.occurredAt}"}`;
  }
  return `${out}]`;
}

/**
 * Several appends: each checked on its own, then all handed to the appender in one tick, so that
 * they go in one transaction (unless there are more than a group holds).
 */
export async function appendManyPrepared(context: AppendContext, appends: readonly StreamAppend[]): Promise<AppendOutcome[]> {
  return Promise.all(
    appends.map(async (append): Promise<AppendOutcome> => {
      try {
        const batch = prepareAppend(append.stream, append.events, append.options);
        return { ok: true, result: await appendPrepared(context, batch) };
      } catch (error) {
        if (error instanceof EventStoreError) return { ok: false, error };
        throw error;
      }
    }),
  );
}

/** Retries connection failures and racing retries of one batch, a bounded number of times. */
async function withAppendRetries<T>(context: AppendContext, work: () => Promise<T>): Promise<T> {
  let backoff: Backoff | undefined; // made on the first failure only (reads are hot)
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const retryable = error instanceof SqlConnectionError || error instanceof RetryableConflict;
      if (!retryable || attempt >= APPEND_ATTEMPTS || context.isClosed()) {
        if (error instanceof SqlConnectionError) throw new EventStoreUnavailableError(`event store unavailable: ${error.message}`, { cause: error });
        if (error instanceof RetryableConflict) throw error.cause;
        throw error;
      }
      await (backoff ??= new Backoff(CALL_RETRY)).wait();
    }
  }
}

class RetryableConflict extends Error {
  constructor(override readonly cause: SqlError) {
    super(cause.message);
  }
}

export function actualRevision(revision: string | null): bigint | 'no_stream' {
  return revision === null || revision === '-1' ? 'no_stream' : BigInt(revision);
}
