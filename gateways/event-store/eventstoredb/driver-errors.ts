/**
 * Translates `@kurrent/kurrentdb-client` errors into the port's errors. Matching is by class and by
 * gRPC status code, never by message text.
 */
import {
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as DriverStreamDeletedError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  isCommandError,
} from '@kurrent/kurrentdb-client';
import {
  EventStoreError,
  EventStoreUnavailableError,
  InvalidInputError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type { ExpectedRevision, StreamRevision } from '../port.js';

/** gRPC status codes that mean the call or its connection failed, not that it was refused. */
export const GRPC_CANCELLED = 1;
export const GRPC_DEADLINE_EXCEEDED = 4;
export const GRPC_ABORTED = 10;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;
const CONNECTION_FAILURE_CODES: ReadonlySet<number> = new Set([
  GRPC_CANCELLED,
  GRPC_DEADLINE_EXCEEDED,
  GRPC_ABORTED,
  GRPC_INTERNAL,
  GRPC_UNAVAILABLE,
]);

/** Socket errors seen before gRPC wraps them (e.g. during cluster discovery). */
const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export interface ErrorContext {
  stream?: string;
  expected?: ExpectedRevision;
}

/**
 * True when the server could not be reached or the call was cut: the operation may be retried
 * (an append too, since event ids make it idempotent).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError
  ) {
    return true;
  }
  if (!(error instanceof Error) || !('code' in error)) return false;
  const { code } = error;
  // Other command errors (UnknownError) and raw gRPC errors (the driver rethrows some unconverted,
  // e.g. when its server-features probe fails) keep the gRPC status in `code`.
  if (typeof code === 'number') return CONNECTION_FAILURE_CODES.has(code);
  return !isCommandError(error) && typeof code === 'string' && SOCKET_ERROR_CODES.has(code);
}

/** The port's error for a driver error; port errors and unknown errors are returned unchanged. */
export function translateDriverError(error: unknown, context: ErrorContext = {}): unknown {
  if (error instanceof EventStoreError) return error;
  if (error instanceof WrongExpectedVersionError) {
    return new WrongExpectedRevisionError(
      context.stream ?? error.streamName,
      context.expected ?? 'any',
      actualRevision(error.actualState),
    );
  }
  if (error instanceof DriverStreamDeletedError) return new StreamDeletedError(context.stream ?? error.streamName);
  if (error instanceof MaxAppendSizeExceededError) {
    return new InvalidInputError(
      'BATCH_TOO_LARGE',
      `append to ${context.stream ?? 'a stream'}: the batch exceeds the server's maximum append size ` +
        `(${error.maxAppendSize} bytes)`,
    );
  }
  // The driver checks a few arguments itself, e.g. that fromRevision fits in 64 bits.
  if (error instanceof InvalidArgumentError) return new InvalidInputError('INVALID_READ_OPTIONS', error.errorMessage);
  if (isConnectionFailure(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new EventStoreUnavailableError(`event store unavailable: ${message}`, { cause: error });
  }
  return error;
}

/** The driver reports "no stream" as 'no_stream' or, from some paths, as revision -1. */
export function actualRevision(current: StreamRevision | 'no_stream'): StreamRevision | 'no_stream' {
  return current === 'no_stream' || current < 0n ? 'no_stream' : current;
}
