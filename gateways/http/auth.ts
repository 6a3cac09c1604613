/**
 * Who is calling. Development mode issues and checks HS256 tokens signed with a local secret
 * (`POST /v1/auth/dev-token`); production mode checks tokens of an identity provider against its
 * JWKS, issuer and audience, and issues none.
 */
import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { createSecretKey } from 'node:crypto';
import { HttpError } from './errors.js';
import { Lru } from './lru.js';

export interface Principal {
  userId: string;
  displayName?: string;
}

export interface Authenticator {
  readonly mode: 'dev' | 'jwks';
  verify(token: string): Promise<Principal>;
  /** Dev mode only. */
  issue?(principal: Required<Principal>): Promise<string>;
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const DEV_ISSUER = 'chorus-dev';
const DEV_AUDIENCE = 'chorus';
const DEV_TOKEN_TTL = '30d';

function principalOf(payload: JWTPayload): Principal {
  const userId = payload.sub;
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    throw new HttpError('UNAUTHENTICATED', 'the token has no usable subject (sub)');
  }
  const name = (payload as { name?: unknown }).name;
  return typeof name === 'string' ? { userId, displayName: name } : { userId };
}

function unauthenticated(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof joseErrors.JWTExpired) return new HttpError('UNAUTHENTICATED', 'the token has expired');
  if (error instanceof joseErrors.JOSEError) return new HttpError('UNAUTHENTICATED', `the token is not valid (${error.code})`);
  return new HttpError('UNAUTHENTICATED', 'the token is not valid');
}

/**
 * Verified tokens are remembered (until they expire, at most 5 minutes): a client sends the same
 * token with every request, and checking a signature costs more than the rest of a small read.
 */
function remembering(verify: (token: string) => Promise<{ principal: Principal; expiresAt: number }>): (token: string) => Promise<Principal> {
  const verified = new Lru<string, Principal>(50_000);
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    const { principal, expiresAt } = await verify(token);
    verified.set(token, principal, Math.min(expiresAt - Date.now(), 5 * 60_000));
    return principal;
  };
}

const expiryOf = (payload: JWTPayload) => (payload.exp === undefined ? Number.POSITIVE_INFINITY : payload.exp * 1000);

export function createDevAuthenticator(secret: Uint8Array): Authenticator {
  const key = createSecretKey(secret);
  return {
    mode: 'dev',
    verify: remembering(async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, algorithms: ['HS256'] });
        return { principal: principalOf(payload), expiresAt: expiryOf(payload) };
      } catch (error) {
        throw unauthenticated(error);
      }
    }),
    async issue({ userId, displayName }) {
      return new SignJWT({ name: displayName })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(DEV_TOKEN_TTL)
        .sign(key);
    },
  };
}

export function createJwksAuthenticator(options: { jwksUrl: string; issuer: string; audience: string }): Authenticator {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  return {
    mode: 'jwks',
    verify: remembering(async (token) => {
      try {
        const { payload } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience });
        return { principal: principalOf(payload), expiresAt: expiryOf(payload) };
      } catch (error) {
        throw unauthenticated(error);
      }
    }),
  };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new HttpError('UNAUTHENTICATED', 'send the token as `Authorization: Bearer <token>`');
  return match[1]!;
}
