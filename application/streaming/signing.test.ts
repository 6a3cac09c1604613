import { describe, expect, it } from 'vitest';
import { MediaAccessError } from './errors.js';
import { mediaFile } from './files.js';
import { MediaKeyError, MediaKeyRing, signGrant, verifyGrant, type MediaGrant } from './signing.js';

const secret = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const ring = MediaKeyRing.parse(`new:${secret(1)},old:${secret(2)}`);
const oldFirst = MediaKeyRing.parse(`old:${secret(2)}`);
const stranger = MediaKeyRing.parse(`other:${secret(3)}`);
const grant: MediaGrant = { trackId: 'tr-1', quality: 'high', userId: 'user.a@x', expiresAt: 2_000 };

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (error) {
    if (error instanceof MediaAccessError) return error.code;
    throw error;
  }
};

describe('signed media grants', () => {
  it('verify with the key that signed them, before they expire', () => {
    const token = signGrant(ring, grant);
    expect(token.split('.')[1]).toBe('new');
    expect(verifyGrant(ring, token, 'tr-1', 1_999)).toStrictEqual(grant);
  });

  it('are refused once expired (410), but a tampered expiry is a bad signature (403)', () => {
    const token = signGrant(ring, grant);
    expect(codeOf(() => verifyGrant(ring, token, 'tr-1', 2_000))).toBe('MEDIA_URL_EXPIRED');
    const later = token.replace(/^2000\./, '9000.');
    expect(codeOf(() => verifyGrant(ring, later, 'tr-1', 1_000))).toBe('MEDIA_SIGNATURE_INVALID');
  });

  it('are refused for another track, user or quality, or with a changed signature', () => {
    const token = signGrant(ring, grant);
    const [exp, kid, quality, user, sig] = token.split('.') as [string, string, string, string, string];
    expect(codeOf(() => verifyGrant(ring, token, 'tr-2', 1_000))).toBe('MEDIA_SIGNATURE_INVALID');
    const otherUser = Buffer.from('user.b@x').toString('base64url');
    expect(codeOf(() => verifyGrant(ring, [exp, kid, quality, otherUser, sig].join('.'), 'tr-1', 1_000))).toBe('MEDIA_SIGNATURE_INVALID');
    expect(codeOf(() => verifyGrant(ring, [exp, kid, 'lossless', user, sig].join('.'), 'tr-1', 1_000))).toBe('MEDIA_SIGNATURE_INVALID');
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    expect(codeOf(() => verifyGrant(ring, [exp, kid, quality, user, flipped].join('.'), 'tr-1', 1_000))).toBe('MEDIA_SIGNATURE_INVALID');
    for (const bad of ['', 'a.b.c', `${token}.x`, token.replace('.high.', '.ultra.')]) {
      expect(codeOf(() => verifyGrant(ring, bad, 'tr-1', 1_000)), bad).toBe('MEDIA_SIGNATURE_INVALID');
    }
  });

  it('signed by a key being rotated out stay valid; an unknown key id is refused', () => {
    expect(verifyGrant(ring, signGrant(oldFirst, grant), 'tr-1', 1_000)).toStrictEqual(grant);
    expect(codeOf(() => verifyGrant(ring, signGrant(stranger, grant), 'tr-1', 1_000))).toBe('MEDIA_SIGNATURE_INVALID');
  });

  it('key rings refuse short secrets, bad ids and duplicates', () => {
    expect(() => MediaKeyRing.parse(`k:${Buffer.alloc(8).toString('base64')}`)).toThrow(MediaKeyError);
    expect(() => MediaKeyRing.parse(`k.1:${secret(1)}`)).toThrow(MediaKeyError);
    expect(() => MediaKeyRing.parse(`k:${secret(1)},k:${secret(2)}`)).toThrow(MediaKeyError);
    expect(() => MediaKeyRing.parse('')).toThrow(MediaKeyError);
    expect(MediaKeyRing.parse(MediaKeyRing.generate('fresh')).signingKey.kid).toBe('fresh');
  });
});

describe('media files a URL may reach', () => {
  const v = '0123456789abcdef';
  it('by quality and type', () => {
    expect(mediaFile(`${v}/aac-128.m4a`)).toStrictEqual({ quality: 'low', mimeType: 'audio/mp4' });
    expect(mediaFile(`${v}/aac-320.m4a`)).toStrictEqual({ quality: 'high', mimeType: 'audio/mp4' });
    expect(mediaFile(`${v}/hls/master-low.m3u8`)).toStrictEqual({ quality: 'low', mimeType: 'application/vnd.apple.mpegurl' });
    expect(mediaFile(`${v}/hls/master.m3u8`)).toStrictEqual({ quality: 'high', mimeType: 'application/vnd.apple.mpegurl' });
    expect(mediaFile(`${v}/hls/320/seg-12.m4s`)).toStrictEqual({ quality: 'high', mimeType: 'audio/mp4' });
    expect(mediaFile(`${v}/hls/128/init.mp4`)).toStrictEqual({ quality: 'low', mimeType: 'audio/mp4' });
    expect(mediaFile(`${v}/original.flac`)).toStrictEqual({ quality: 'lossless', mimeType: 'audio/flac' });
  });

  it('never the manifest, other names, or paths that climb', () => {
    for (const file of [`${v}/manifest.json`, `${v}/original.exe`, `${v}/../x/aac-128.m4a`, `${v}/hls/64/index.m3u8`, 'aac-128.m4a', `${v}/aac-128.m4a/x`]) {
      expect(mediaFile(file), file).toBeUndefined();
    }
  });
});
