/** Why a media URL or a cover is refused; the HTTP edge maps each code to its status. */

export type MediaAccessErrorCode = 'MEDIA_SIGNATURE_INVALID' | 'MEDIA_URL_EXPIRED' | 'MEDIA_NOT_FOUND' | 'COVER_NOT_FOUND';

export class MediaAccessError extends Error {
  override readonly name = 'MediaAccessError';
  constructor(
    readonly code: MediaAccessErrorCode,
    message: string,
  ) {
    super(message);
  }
}
