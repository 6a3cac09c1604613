/**
 * Every error code the HTTP API answers with, its status, and what it means. This registry is the
 * only place that maps codes to statuses; domain and store errors are translated here, and a test
 * checks that the README lists every code.
 */
import { AccountError, type AccountErrorCode } from '../application/accounts/errors.js';
import { TokenError } from '../application/tokens/principal.js';
import { MediaAccessError } from '../application/streaming/errors.js';
import { DomainError, type DomainErrorCode } from '../domain/shared/errors.js';
import { EventStoreError } from '../gateways/event-store/errors.js';
import { CacheUnavailableError } from '../gateways/cache/port.js';
import { SqlConnectionError } from '../gateways/sql/port.js';

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, description: 'The request (body, parameters or query) is not valid; the message says which field and why.' },
  INVALID_POSITION: { status: 400, description: 'The `after` position is not one that Chorus returned.' },
  UNAUTHENTICATED: { status: 401, description: 'No bearer token, or a token that is invalid or expired.' },
  FORBIDDEN: { status: 403, description: 'The token is valid but its user may not do this (e.g. only the owner deletes a playlist).' },
  DEV_TOKENS_DISABLED: { status: 403, description: 'Development tokens are off (local accounts exist, or an identity provider is set): sign in, or get a token from the identity provider.' },
  SIGNUP_CLOSED: { status: 403, description: 'Sign-up is closed: the first account exists and open sign-up is off; an admin creates accounts.' },
  INVALID_CREDENTIALS: { status: 401, description: 'Wrong username or password (the answer does not say which).' },
  INVALID_REFRESH_TOKEN: { status: 401, description: 'The refresh token is expired, revoked, unknown, or was used already (which signs out that whole sign-in): sign in again.' },
  SIGN_IN_RATE_LIMITED: { status: 429, description: 'Too many sign-in attempts for this account or from this address; retry after the `Retry-After` seconds.' },
  USERNAME_TAKEN: { status: 409, description: 'Another account has this username (ignoring case).' },
  NO_LOCAL_ACCOUNT: { status: 409, description: 'The user has no local account (signed in with a dev token or an identity provider): no password to change.' },
  WRONG_PASSWORD: { status: 403, description: 'The current password given to change it is wrong.' },
  SUBSONIC_PASSWORD_IS_PASSWORD: { status: 422, description: 'The Subsonic app password must differ from the account password.' },
  ADMIN_ONLY: { status: 403, description: 'Only an admin may do this.' },
  CANNOT_CHANGE_OWN_ROLE: { status: 409, description: 'An admin cannot take their own admin role nor remove themselves; another admin (or `chorus users`) can.' },
  API_KEY_NOT_FOUND: { status: 404, description: 'No such API key among the caller\'s.' },
  TOO_MANY_API_KEYS: { status: 409, description: 'A user has at most 20 API keys; revoke one first.' },
  ACCOUNTS_UNAVAILABLE: { status: 503, description: 'Local accounts are not served by this process.' },
  ROUTE_NOT_FOUND: { status: 404, description: 'No such route.' },
  USER_REMOVED: { status: 403, description: 'The user was removed by an admin: their tokens and passwords no longer work.' },
  USER_NOT_FOUND: { status: 404, description: 'No such user (or the token user has not been registered).' },
  TRACK_NOT_FOUND: { status: 404, description: 'No such track.' },
  ALBUM_NOT_FOUND: { status: 404, description: 'No such album.' },
  ARTIST_NOT_FOUND: { status: 404, description: 'No such artist.' },
  GENRE_NOT_FOUND: { status: 404, description: 'No track or album of the catalog has this genre.' },
  PLAYLIST_NOT_FOUND: { status: 404, description: 'No such playlist, or one the user may not see.' },
  PLAYLIST_DELETED: { status: 410, description: 'The playlist was deleted; it accepts nothing.' },
  CONFLICT: { status: 409, description: 'The resource changed meanwhile; retry.' },
  TOO_MUCH_CONTENTION: { status: 409, description: 'Too many concurrent changes to the same resource; retry.' },
  PLAYLIST_ALREADY_EXISTS: { status: 409, description: 'A playlist with this id exists already.' },
  CATALOG_CONFLICT: { status: 409, description: 'The catalog holds this id with other content.' },
  TRACK_HAS_NO_AUDIO: { status: 409, description: 'The track has no audio to stream: none was attached yet, or its library file was removed.' },
  MEDIA_SIGNATURE_INVALID: { status: 403, description: 'The media URL\'s signature does not match (tampered, another track or user, or an unknown key id).' },
  MEDIA_URL_EXPIRED: { status: 410, description: 'The media URL has expired: ask `GET /v1/tracks/:id/stream` for a new one.' },
  TRACK_UNAVAILABLE_IN_REGION: { status: 451, description: 'The track may not be played in the listener\'s country (or the listener has no country and the track is limited to markets).' },
  DEVICE_NOT_FOUND: { status: 404, description: 'No such device among the user\'s: register it first (`PUT /v1/me/player/devices/:deviceId`).' },
  DEVICE_REMOVED: { status: 403, description: 'The device was removed: it is refused (and its downloads revoked); register the device again under a new id.' },
  DEVICE_LIMIT_REACHED: { status: 403, description: 'The user has as many devices as allowed (50); remove one first.' },
  NO_ACTIVE_DEVICE: { status: 404, description: 'No device to play on: name one (`deviceId`) or transfer the player to one first.' },
  PLAYER_IDLE: { status: 409, description: 'Nothing is loaded in the player (pause, seek, next, previous or queue need something playing): play something first.' },
  QUEUE_FULL: { status: 409, description: 'The player holds at most 500 tracks (the context\'s and the queued ones).' },
  DOWNLOAD_DEVICE_LIMIT: { status: 403, description: 'The plan keeps downloads on so many devices (free 1, premium 5): revoke the downloads of another device first (`DELETE /v1/me/downloads?deviceId=`).' },
  DOWNLOAD_TRACK_LIMIT: { status: 403, description: 'The plan keeps so many downloaded tracks per device (free 50, premium 10,000).' },
  DOWNLOAD_REVOKED: { status: 403, description: 'The download URL\'s device was removed or its downloads revoked (or the grant expired).' },
  COVER_NOT_FOUND: { status: 404, description: 'The album has no cover art.' },
  MEDIA_NOT_FOUND: { status: 404, description: 'The media URL names no file of the track that is served (a signed URL of another file, or one removed since).' },
  RANGE_NOT_SATISFIABLE: { status: 416, description: 'The `Range` of a media request starts past the end of the file; `Content-Range: bytes */<size>` gives the size.' },
  MEDIA_UNAVAILABLE: { status: 503, description: 'This process serves no media (no media store is configured).' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is over the limit.' },
  URL_TOO_LONG: { status: 414, description: 'A path parameter is over 256 characters.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The body must be JSON (`Content-Type: application/json`).' },
  CANNOT_FOLLOW_SELF: { status: 422, description: 'A user cannot follow themselves.' },
  INVALID_PLAY: { status: 422, description: 'The play cannot have happened: negative or longer than the track, or in the future.' },
  RATE_LIMITED: { status: 429, description: 'Too many writes by this user (or, without a token, from this address); retry after the `Retry-After` seconds.' },
  PLAYLIST_LIMIT_REACHED: { status: 403, description: 'The user owns as many playlists as a user may (`CHORUS_MAX_PLAYLISTS_PER_USER`); delete one first.' },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, description: 'The request line and headers together are over the limit (16 KiB).' },
  INTERNAL_ERROR: { status: 500, description: 'A bug on our side; the request id in the logs tells what happened.' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'A backing service (event store, database, cache) cannot be reached, or the store of live playlist edits is behind; retry.' },
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
  USER_REMOVED: 'USER_REMOVED',
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
  TRACK_HAS_NO_AUDIO: 'TRACK_HAS_NO_AUDIO',
  TRACK_UNAVAILABLE_IN_REGION: 'TRACK_UNAVAILABLE_IN_REGION',
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  DEVICE_REMOVED: 'DEVICE_REMOVED',
  DEVICE_LIMIT_REACHED: 'DEVICE_LIMIT_REACHED',
  NO_ACTIVE_DEVICE: 'NO_ACTIVE_DEVICE',
  PLAYER_IDLE: 'PLAYER_IDLE',
  QUEUE_FULL: 'QUEUE_FULL',
  DOWNLOAD_DEVICE_LIMIT: 'DOWNLOAD_DEVICE_LIMIT',
  DOWNLOAD_TRACK_LIMIT: 'DOWNLOAD_TRACK_LIMIT',
  DOWNLOAD_REVOKED: 'DOWNLOAD_REVOKED',
};

const ACCOUNT_TO_HTTP: Record<AccountErrorCode, ErrorCode> = {
  SIGNUP_CLOSED: 'SIGNUP_CLOSED',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  INVALID_REFRESH_TOKEN: 'INVALID_REFRESH_TOKEN',
  SIGN_IN_RATE_LIMITED: 'SIGN_IN_RATE_LIMITED',
  NO_LOCAL_ACCOUNT: 'NO_LOCAL_ACCOUNT',
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  SUBSONIC_PASSWORD_IS_PASSWORD: 'SUBSONIC_PASSWORD_IS_PASSWORD',
  ADMIN_ONLY: 'ADMIN_ONLY',
  CANNOT_CHANGE_OWN_ROLE: 'CANNOT_CHANGE_OWN_ROLE',
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  TOO_MANY_API_KEYS: 'TOO_MANY_API_KEYS',
};

/** Translates any error into the code and message the client sees (never leaking internals). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof TokenError) return new HttpError('UNAUTHENTICATED', error.message);
  if (error instanceof AccountError) {
    const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
    return new HttpError(ACCOUNT_TO_HTTP[error.code], error.message, headers);
  }
  if (error instanceof DomainError) return new HttpError(DOMAIN_TO_HTTP[error.code], error.message);
  if (error instanceof MediaAccessError) return new HttpError(error.code, error.message);
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
  if (code === 'RADIO_BUSY') return new HttpError('CONFLICT', (error as Error).message);
  if (code === 'PROJECTIONS_BEHIND') return new HttpError('PROJECTIONS_BEHIND', (error as Error).message);
  // The live playlist documents cannot take an edit now (their store is behind, the node is closing).
  if (code === 'SERVICE_UNAVAILABLE') return new HttpError('SERVICE_UNAVAILABLE', (error as Error).message, { 'retry-after': '1' });
  return new HttpError('INTERNAL_ERROR', 'internal error');
}
