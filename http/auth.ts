/**
 * Who is calling: the bearer token of a request, verified by application/tokens (one path for
 * this server's accounts, its dev tokens and an identity provider's JWKS).
 */
import { parseBearer } from '../application/tokens/bearer.js';
import { HttpError } from './errors.js';

export type { Principal } from '../application/tokens/principal.js';
export type { Authenticator } from '../application/tokens/verifier.js';

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string {
  const token = parseBearer(header);
  if (token === undefined) throw new HttpError('UNAUTHENTICATED', 'send the token as `Authorization: Bearer <token>`');
  return token;
}
