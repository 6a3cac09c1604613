/**
 * Signed media URLs. The signature sits in the path, so that the relative URIs of an HLS playlist
 * (`128/index.m3u8`, `seg-3.m4s`) resolve under it and keep it:
 *
 *   /media/{exp}.{kid}.{quality}.{user}.{sig}/{trackId}/{file}
 *
 * `exp` is the expiry in Unix seconds, `kid` the id of the key that signed, `user` the listener's
 * id in base64url (ids may hold dots), and `sig` the base64url HMAC-SHA256, under that key, of
 * `exp`, `kid`, `trackId`, `quality` and `userId`. Signing uses the first key of the ring; every
 * key of the ring verifies, so a key being rotated out keeps its URLs valid until they expire.
 * Signatures are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Quality } from '../../domain/catalog/events.js';
import { QUALITIES } from '../../domain/streaming/policy.js';
import { MediaAccessError } from './errors.js';

export interface MediaKey {
  kid: string;
  secret: Buffer;
}

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_SECRET_BYTES = 32;

export class MediaKeyError extends Error {
  override readonly name = 'MediaKeyError';
}

/** The keys that sign (the first) and verify (all) media URLs. */
export class MediaKeyRing {
  private readonly byKid: Map<string, Buffer>;

  constructor(readonly keys: readonly MediaKey[]) {
    if (keys.length === 0) throw new MediaKeyError('at least one media key is needed');
    this.byKid = new Map();
    for (const key of keys) {
      if (!KID.test(key.kid)) throw new MediaKeyError(`media key id ${JSON.stringify(key.kid)} must be 1-32 letters, digits, _ or -`);
      if (key.secret.length < MIN_SECRET_BYTES) throw new MediaKeyError(`media key ${key.kid} must be at least ${MIN_SECRET_BYTES} bytes`);
      if (this.byKid.has(key.kid)) throw new MediaKeyError(`media key id ${key.kid} appears twice`);
      this.byKid.set(key.kid, key.secret);
    }
  }

  /** `kid:base64secret,kid:base64secret` (CHORUS_MEDIA_KEYS): the first one signs. */
  static parse(text: string): MediaKeyRing {
    const keys = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const colon = part.indexOf(':');
        if (colon <= 0) throw new MediaKeyError('media keys are written kid:base64secret, comma-separated, the signing key first');
        return { kid: part.slice(0, colon), secret: Buffer.from(part.slice(colon + 1), 'base64') };
      });
    return new MediaKeyRing(keys);
  }

  /** A new random key, as `kid:base64secret`. */
  static generate(kid = `k${Date.now().toString(36)}`): string {
    return `${kid}:${randomBytes(MIN_SECRET_BYTES).toString('base64')}`;
  }

  get signingKey(): MediaKey {
    return this.keys[0]!;
  }

  secret(kid: string): Buffer | undefined {
    return this.byKid.get(kid);
  }
}

/** What a media URL grants: one listener, one track, files up to one quality, until `expiresAt`. */
export interface MediaGrant {
  trackId: string;
  quality: Quality;
  userId: string;
  /** Unix seconds. */
  expiresAt: number;
}

const mac = (secret: Buffer, kid: string, grant: MediaGrant) =>
  createHmac('sha256', secret).update(`${grant.expiresAt}\n${kid}\n${grant.trackId}\n${grant.quality}\n${grant.userId}`).digest();

/** The path segment that carries the grant: `{exp}.{kid}.{quality}.{user}.{sig}`. */
export function signGrant(keys: MediaKeyRing, grant: MediaGrant): string {
  const { kid, secret } = keys.signingKey;
  const user = Buffer.from(grant.userId, 'utf8').toString('base64url');
  return `${grant.expiresAt}.${kid}.${grant.quality}.${user}.${mac(secret, kid, grant).toString('base64url')}`;
}

/** `/media/{token}/{trackId}/{file}` for `file` inside the track's media folder. */
export function mediaPath(token: string, trackId: string, file: string): string {
  return `/media/${token}/${encodeURIComponent(trackId)}/${file}`;
}

/**
 * The grant a token carries for `trackId`, once its signature is checked (403
 * MEDIA_SIGNATURE_INVALID: malformed, unknown key id, another track, user or quality, tampered)
 * and then its expiry (410 MEDIA_URL_EXPIRED). `now` in Unix seconds.
 */
export function verifyGrant(keys: MediaKeyRing, token: string, trackId: string, now: number): MediaGrant {
  const invalid = (why: string) => new MediaAccessError('MEDIA_SIGNATURE_INVALID', `the media URL's signature is not valid (${why}): ask GET /v1/tracks/${trackId}/stream for a new one`);
  const parts = token.split('.');
  if (parts.length !== 5) throw invalid('malformed');
  const [exp, kid, quality, user, sig] = parts as [string, string, string, string, string];
  if (!/^\d{1,12}$/.test(exp) || !QUALITIES.includes(quality as Quality) || !/^[A-Za-z0-9_-]*$/.test(user) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) throw invalid('malformed');
  const secret = keys.secret(kid);
  if (!secret) throw invalid('unknown key id');
  const grant: MediaGrant = { trackId, quality: quality as Quality, userId: Buffer.from(user, 'base64url').toString('utf8'), expiresAt: Number(exp) };
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, kid, grant);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('it does not match');
  if (grant.expiresAt <= now) throw new MediaAccessError('MEDIA_URL_EXPIRED', `the media URL expired at ${new Date(grant.expiresAt * 1000).toISOString()}: ask GET /v1/tracks/${trackId}/stream for a new one`);
  return grant;
}
