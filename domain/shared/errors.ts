/**
 * Domain errors: a command that cannot be carried out in the current state. Each has a stable
 * code; only the HTTP gateway maps codes to statuses.
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'USER_NOT_FOUND'
  | 'CANNOT_FOLLOW_SELF'
  | 'TRACK_NOT_FOUND'
  | 'ARTIST_NOT_FOUND'
  | 'ALBUM_NOT_FOUND'
  | 'PLAYLIST_NOT_FOUND'
  | 'PLAYLIST_ALREADY_EXISTS'
  | 'PLAYLIST_DELETED'
  | 'FORBIDDEN'
  | 'CATALOG_CONFLICT'
  | 'INVALID_PLAY';

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
