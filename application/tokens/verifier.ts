/**
 * One code path for every access token: the token's issuer (`iss`) picks a trusted issuer, and its
 * signature is checked against that issuer's JWK set — this server's own keys (local accounts), the
 * key of its dev tokens, or an identity provider's JWKS fetched from `CHORUS_JWKS_URL` — with the
 * issuer, audience and algorithms pinned. Nothing else differs between them.
 */
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Lru } from '../lru.js';
import { TokenError, type Principal, type TokenSource } from './principal.js';
import { isId } from '../../domain/shared/ids.js';

export interface TrustedIssuer {
  source: TokenSource;
  issuer: string;
  audience: string;
  /** The issuer's JWK set (jose's createLocalJWKSet / createRemoteJWKSet, or one that reloads). */
  keys: JWTVerifyGetKey;
  algorithms: string[];
  /** Asked at every verification (dev tokens stop being accepted once accounts exist). */
  enabled?: () => Promise<boolean>;
}

export interface Authenticator {
  verify(token: string): Promise<Principal>;
}

/** Verified tokens are remembered at most this long (and never past their expiry). */
const REMEMBER_MS = 5 * 60_000;

export class TokenVerifier implements Authenticator {
  private readonly verified = new Lru<string, Principal>(50_000);

  constructor(private readonly issuers: readonly TrustedIssuer[]) {}

  async verify(token: string): Promise<Principal> {
    const issuer = this.issuerOf(token);
    if (issuer.enabled && !(await issuer.enabled())) throw new TokenError(`tokens of ${issuer.issuer} are off on this server`);
    // A client sends the same token with every request, and a signature check costs more than
    // the rest of a small read: verified tokens are remembered (until they expire, at most 5 min).
    const known = this.verified.get(token);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, { issuer: issuer.issuer, audience: issuer.audience, algorithms: issuer.algorithms }));
    } catch (error) {
      throw tokenError(error);
    }
    const principal = principalOf(payload, issuer.source);
    const expiresAt = payload.exp === undefined ? Number.POSITIVE_INFINITY : payload.exp * 1000;
    this.verified.set(token, principal, Math.min(expiresAt - Date.now(), REMEMBER_MS));
    return principal;
  }

  private issuerOf(token: string): TrustedIssuer {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new TokenError('the token is not a JWT');
    }
    const issuer = this.issuers.find((i) => i.issuer === iss);
    if (!issuer) throw new TokenError('the token comes from an issuer this server does not trust');
    return issuer;
  }
}

function principalOf(payload: JWTPayload, source: TokenSource): Principal {
  const userId = payload.sub;
  if (!isId(userId)) throw new TokenError('the token has no usable subject (sub)');
  const name = (payload as { name?: unknown }).name;
  return typeof name === 'string' ? { userId, displayName: name, source } : { userId, source };
}

function tokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof joseErrors.JWTExpired) return new TokenError('the token has expired');
  if (error instanceof joseErrors.JOSEError) return new TokenError(`the token is not valid (${error.code})`);
  return new TokenError('the token is not valid');
}
