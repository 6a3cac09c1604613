/**
 * Errors of the event store port. Adapters translate driver errors into these;
 * callers match on the class or on `code`, never on the message text.
 */
import type { ExpectedRevision, StreamRevision } from './port.js';

export type EventStoreErrorCode =
  | 'WRONG_EXPECTED_REVISION'
  | 'STREAM_DELETED'
  | 'EVENT_ID_CONFLICT'
  | 'INVALID_STREAM_NAME'
  | 'EMPTY_BATCH'
  | 'BATCH_TOO_LARGE'
  | 'INVALID_EVENT'
  | 'INVALID_EVENT_DATA'
  | 'EVENT_TOO_LARGE'
  | 'INVALID_EXPECTED_REVISION'
  | 'INVALID_POSITION'
  | 'INVALID_READ_OPTIONS'
  | 'EVENT_STORE_UNAVAILABLE';

export class EventStoreError extends Error {
  override readonly name: string = 'EventStoreError';
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The stream is not at the revision the writer expected. Nothing was written. */
export class WrongExpectedRevisionError extends EventStoreError {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual revision, or 'no_stream' when it has no events. */
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(
      'WRONG_EXPECTED_REVISION',
      `stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`,
    );
  }
}

/** The stream was deleted: it accepts no appends and cannot be read by name. */
export class StreamDeletedError extends EventStoreError {
  override readonly name = 'StreamDeletedError';
  constructor(readonly stream: string) {
    super('STREAM_DELETED', `stream ${stream} has been deleted`);
  }
}

/**
 * Some of the batch's event ids are stored already, but not as this exact batch in this stream
 * (a re-append of a whole stored batch is not an error: it returns the original result).
 */
export class EventIdConflictError extends EventStoreError {
  override readonly name = 'EventIdConflictError';
  constructor(readonly stream: string, readonly eventIds: readonly string[]) {
    super(
      'EVENT_ID_CONFLICT',
      `stream ${stream}: event id(s) ${eventIds.join(', ')} are already stored in another batch or stream`,
    );
  }
}

/** Bad input to an append or a read: a typed reason in `code`, and nothing was written. */
export class InvalidInputError extends EventStoreError {
  override readonly name = 'InvalidInputError';
}

/** The backing database could not be reached (after the adapter's own retries). */
export class EventStoreUnavailableError extends EventStoreError {
  override readonly name = 'EventStoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('EVENT_STORE_UNAVAILABLE', message, options);
  }
}
