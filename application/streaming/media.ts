/**
 * Answering a media URL: the grant in its path is checked (signing.ts), the file must be one a
 * player may fetch (files.ts) of a quality the grant allows, and it is sent by @fastify/send,
 * which does Range (206, 416, suffix ranges, If-Range), ETag, Last-Modified and conditional GETs.
 * A request for several ranges gets the whole file (200), as @fastify/send answers it.
 *
 * `sendFile` is shared by the edges that send files themselves (Subsonic's `stream`, covers).
 */
import send from '@fastify/send';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { allows } from '../../domain/streaming/policy.js';
import { checkMediaKey, MediaStoreError, type MediaStore } from '../../gateways/media/port.js';
import { MediaAccessError } from './errors.js';
import { mediaFile } from './files.js';
import { verifyGrant, type MediaGrant, type MediaKeyRing } from './signing.js';

export interface MediaDeps {
  media: MediaStore;
  keys: MediaKeyRing;
  now: () => Date;
}

export interface ResolvedMedia {
  grant: MediaGrant;
  /** Where the file is on this machine. */
  path: string;
  mimeType: string;
  /** How long a cache may keep the answer: never past the URL's expiry, at most a day. */
  maxAgeSeconds: number;
}

const MAX_AGE_SECONDS = 24 * 60 * 60;

/** The file a media URL names, once its grant checks out; throws MediaAccessError. */
export function resolveMedia(deps: MediaDeps, token: string, trackId: string, file: string): ResolvedMedia {
  const now = Math.floor(deps.now().getTime() / 1000);
  const grant = verifyGrant(deps.keys, token, trackId, now);
  const what = mediaFile(file);
  if (!what) throw new MediaAccessError('MEDIA_NOT_FOUND', `track ${trackId} has no media file ${JSON.stringify(file)}`);
  if (!allows(grant.quality, what.quality)) {
    throw new MediaAccessError('MEDIA_SIGNATURE_INVALID', `the media URL grants ${grant.quality} quality, and ${file} is ${what.quality}`);
  }
  const path = trackFilePath(deps.media, trackId, file);
  return { grant, path, mimeType: what.mimeType, maxAgeSeconds: Math.max(0, Math.min(MAX_AGE_SECONDS, grant.expiresAt - now)) };
}

/**
 * Where a file of a track's media folder (a StreamOffer's `file`) is on this machine, for edges
 * that send an offer's file themselves (Subsonic's `stream`); throws MEDIA_NOT_FOUND.
 */
export function trackFilePath(media: MediaStore, trackId: string, file: string): string {
  let path: string | undefined;
  try {
    path = media.localPath(checkMediaKey(`tracks/${trackId}/${file}`));
  } catch (error) {
    if (error instanceof MediaStoreError) throw new MediaAccessError('MEDIA_NOT_FOUND', `track ${trackId} has no media file ${JSON.stringify(file)}`);
    throw error;
  }
  if (!path) throw new MediaAccessError('MEDIA_NOT_FOUND', `the media store (${media.description}) has no local files to send`);
  return path;
}

export interface FileAnswer {
  statusCode: number;
  headers: Record<string, string>;
  /** Empty for HEAD, 304 and errors. */
  stream: Readable;
}

/**
 * `path` answered to `request` with Range, ETag and Last-Modified, as `mimeType`, cacheable for
 * `maxAgeSeconds` (public: the URL is the credential). A missing file throws MEDIA_NOT_FOUND; an
 * unsatisfiable range answers 416 with `Content-Range: bytes *\/size` and no body.
 */
export async function sendFile(request: IncomingMessage, path: string, options: { mimeType: string; maxAgeSeconds: number; immutable?: boolean }): Promise<FileAnswer> {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const result = await send(request, encoded, {
    acceptRanges: true,
    cacheControl: false,
    contentType: false,
    dotfiles: 'deny',
    etag: true,
    lastModified: true,
    index: false,
    highWaterMark: 64 * 1024,
  });
  if (result.type === 'error') {
    result.stream.destroy();
    if (result.statusCode === 416) return { statusCode: 416, headers: { 'Content-Range': result.headers['Content-Range'] ?? '' }, stream: emptyStream() };
    throw new MediaAccessError('MEDIA_NOT_FOUND', 'no such media file');
  }
  if (result.type === 'directory') {
    result.stream.destroy();
    throw new MediaAccessError('MEDIA_NOT_FOUND', 'no such media file');
  }
  const headers: Record<string, string> = { ...result.headers };
  headers['Cache-Control'] = `public, max-age=${options.maxAgeSeconds}${options.immutable ? ', immutable' : ''}`;
  if (result.statusCode !== 304) {
    headers['Content-Type'] = options.mimeType;
    headers['X-Content-Type-Options'] = 'nosniff';
  }
  return { statusCode: result.statusCode, headers, stream: result.stream };
}

const emptyStream = () => Readable.from([]);
