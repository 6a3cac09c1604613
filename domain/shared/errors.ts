/**
 * Domain errors: a command that cannot be carried out in the current state. Each has a stable
 * code; only the HTTP gateway maps codes to statuses.
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'USER_NOT_FOUND'
  | 'USER_REMOVED'
  | 'CANNOT_FOLLOW_SELF'
  | 'TRACK_NOT_FOUND'
  | 'ARTIST_NOT_FOUND'
  | 'ALBUM_NOT_FOUND'
  | 'PLAYLIST_NOT_FOUND'
  | 'PLAYLIST_ALREADY_EXISTS'
  | 'PLAYLIST_DELETED'
  | 'FORBIDDEN'
  | 'CATALOG_CONFLICT'
  | 'INVALID_PLAY'
  | 'TRACK_HAS_NO_AUDIO'
  | 'TRACK_UNAVAILABLE_IN_REGION'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_REMOVED'
  | 'DEVICE_LIMIT_REACHED'
  | 'NO_ACTIVE_DEVICE'
  | 'PLAYER_IDLE'
  | 'QUEUE_FULL'
  | 'DOWNLOAD_DEVICE_LIMIT'
  | 'DOWNLOAD_TRACK_LIMIT'
  | 'DOWNLOAD_REVOKED';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const reject = (code: DomainErrorCode, message: string): never => {
  throw new DomainError(code, message);
};
