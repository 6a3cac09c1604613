/**
 * Every error code the HTTP API answers with, its status, and what it means. This registry is the
 * only place that maps codes to statuses; domain and store errors are translated here, and a test
 * checks that the README lists every code.
 */
import { DomainError, type DomainErrorCode } from '../../domain/shared/errors.js';
import { EventStoreError } from '../event-store/errors.js';
import { CacheUnavailableError } from '../redis/port.js';
import { SqlConnectionError } from '../sql/port.js';

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, description: 'The request (body, parameters or query) is not valid; the message says which field and why.' },
  INVALID_POSITION: { status: 400, description: 'The `after` position is not one that Chorus returned.' },
  UNAUTHENTICATED: { status: 401, description: 'No bearer token, or a token that is invalid or expired.' },
  FORBIDDEN: { status: 403, description: 'The token is valid but its user may not do this (e.g. only the owner deletes a playlist).' },
  DEV_TOKENS_DISABLED: { status: 403, description: 'Development tokens are off (production mode): get a token from the identity provider.' },
  ROUTE_NOT_FOUND: { status: 404, description: 'No such route.' },
  USER_NOT_FOUND: { status: 404, description: 'No such user (or the token user has not been registered).' },
  TRACK_NOT_FOUND: { status: 404, description: 'No such track.' },
  ALBUM_NOT_FOUND: { status: 404, description: 'No such album.' },
  ARTIST_NOT_FOUND: { status: 404, description: 'No such artist.' },
  PLAYLIST_NOT_FOUND: { status: 404, description: 'No such playlist, or one the user may not see.' },
  PLAYLIST_DELETED: { status: 410, description: 'The playlist was deleted; it accepts nothing.' },
  CONFLICT: { status: 409, description: 'The resource changed meanwhile; retry.' },
  TOO_MUCH_CONTENTION: { status: 409, description: 'Too many concurrent changes to the same resource; retry.' },
  PLAYLIST_ALREADY_EXISTS: { status: 409, description: 'A playlist with this id exists already.' },
  CATALOG_CONFLICT: { status: 409, description: 'The catalog holds this id with other content.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is over the limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The body must be JSON (`Content-Type: application/json`).' },
  CANNOT_FOLLOW_SELF: { status: 422, description: 'A user cannot follow themselves.' },
  INVALID_PLAY: { status: 422, description: 'The play cannot have happened: negative or longer than the track, or in the future.' },
  RATE_LIMITED: { status: 429, description: 'Too many writes by this user; retry after the `Retry-After` seconds.' },
  INTERNAL_ERROR: { status: 500, description: 'A bug on our side; the request id in the logs tells what happened.' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'A backing service (event store, database, cache) cannot be reached; retry.' },
  PROJECTIONS_BEHIND: { status: 504, description: 'The read models have not reached the `after` position within 2 s; retry.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

const DOMAIN_TO_HTTP: Record<DomainErrorCode, ErrorCode> = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  CANNOT_FOLLOW_SELF: 'CANNOT_FOLLOW_SELF',
  TRACK_NOT_FOUND: 'TRACK_NOT_FOUND',
  ARTIST_NOT_FOUND: 'ARTIST_NOT_FOUND',
  ALBUM_NOT_FOUND: 'ALBUM_NOT_FOUND',
  PLAYLIST_NOT_FOUND: 'PLAYLIST_NOT_FOUND',
  PLAYLIST_ALREADY_EXISTS: 'PLAYLIST_ALREADY_EXISTS',
  PLAYLIST_DELETED: 'PLAYLIST_DELETED',
  FORBIDDEN: 'FORBIDDEN',
  CATALOG_CONFLICT: 'CATALOG_CONFLICT',
  INVALID_PLAY: 'INVALID_PLAY',
};

/** Translates any error into the code and message the client sees (never leaking internals). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) return new HttpError(DOMAIN_TO_HTTP[error.code], error.message);
  if (error instanceof EventStoreError) {
    switch (error.code) {
      case 'EVENT_STORE_UNAVAILABLE':
        return new HttpError('SERVICE_UNAVAILABLE', 'the event store cannot be reached; retry shortly');
      case 'INVALID_POSITION':
        return new HttpError('INVALID_POSITION', error.message);
      case 'WRONG_EXPECTED_REVISION':
        return new HttpError('CONFLICT', 'the resource changed meanwhile; retry');
      case 'STREAM_DELETED':
        return new HttpError('PLAYLIST_DELETED', 'the resource was deleted');
      default:
        return new HttpError('VALIDATION_FAILED', error.message);
    }
  }
  if (error instanceof CacheUnavailableError) return new HttpError('SERVICE_UNAVAILABLE', 'the cache (Redis) cannot be reached; retry shortly');
  if (error instanceof SqlConnectionError) return new HttpError('SERVICE_UNAVAILABLE', 'the database cannot be reached; retry shortly');
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'TOO_MUCH_CONTENTION') return new HttpError('TOO_MUCH_CONTENTION', (error as Error).message);
  if (code === 'PROJECTIONS_BEHIND') return new HttpError('PROJECTIONS_BEHIND', (error as Error).message);
  return new HttpError('INTERNAL_ERROR', 'internal error');
}
