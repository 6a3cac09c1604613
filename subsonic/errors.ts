/**
 * The OpenSubsonic error codes (the spec's `error.code`), the one error class of this edge, and the
 * mapping of the errors of the layers below (domain, accounts) to them. Every Subsonic error is
 * answered inside a `status: "failed"` envelope with HTTP 200, as the spec and the apps expect.
 */
import { AccountError } from '../application/accounts/errors.js';
import { DomainError } from '../domain/shared/errors.js';

/** Each code the spec defines that Chorus answers with, and what it means here (the README's table). */
export const SUBSONIC_ERROR_CODES = {
  0: 'a generic error: an unknown method, a malformed parameter, `f=jsonp`, a server fault',
  10: 'a required parameter is missing',
  20: 'the client speaks a protocol version older than 1.x: the client must upgrade',
  30: 'the client speaks a protocol version newer than 1.16.1: the server must upgrade',
  40: 'wrong username or password (also: no app password set, an unknown user, too many failed sign-ins)',
  41: 'never answered: it is for LDAP users, and Chorus can check a token (`t`+`s`) for every user, since app passwords are kept sealed, not hashed',
  42: 'an authentication mechanism Chorus does not take on /rest: an `Authorization` header (Basic or Bearer) instead of `u` or `apiKey`',
  43: 'conflicting authentication: `apiKey` with `u`, or `p` with `t`/`s`',
  44: 'an API key that is not valid (unknown, revoked, malformed)',
  50: 'the user may not do this (edit a playlist they only see, read another user as a non-admin, stream a song not offered in their country)',
  70: 'the requested data was not found (album, artist, song, playlist, cover art, user, a song\'s audio)',
} as const;

export type SubsonicErrorCode = keyof typeof SUBSONIC_ERROR_CODES;

export class SubsonicError extends Error {
  override readonly name = 'SubsonicError';
  constructor(
    readonly code: SubsonicErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const missing = (name: string) => new SubsonicError(10, `required parameter is missing: ${name}`);
export const notFound = (what: string) => new SubsonicError(70, `${what} not found`);
export const notAllowed = (message: string) => new SubsonicError(50, message);

/** The Subsonic error for what a layer below refused; undefined for a fault (answered as code 0, logged). */
export function toSubsonicError(error: unknown): SubsonicError | undefined {
  if (error instanceof SubsonicError) return error;
  if (error instanceof DomainError) {
    switch (error.code) {
      case 'USER_NOT_FOUND':
      case 'TRACK_NOT_FOUND':
      case 'ARTIST_NOT_FOUND':
      case 'ALBUM_NOT_FOUND':
      case 'PLAYLIST_NOT_FOUND':
      case 'PLAYLIST_DELETED':
        return new SubsonicError(70, error.message);
      case 'FORBIDDEN':
      case 'USER_REMOVED':
      case 'TRACK_UNAVAILABLE_IN_REGION':
        return new SubsonicError(50, error.message);
      default:
        return new SubsonicError(0, error.message);
    }
  }
  if (error instanceof AccountError) {
    return new SubsonicError(error.code === 'SIGN_IN_RATE_LIMITED' || error.code === 'INVALID_CREDENTIALS' ? 40 : 0, error.message);
  }
  return undefined;
}
