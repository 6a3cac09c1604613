/**
 * Answering a media URL: the grant in its path is checked (signing.ts), the file must be one a
 * player may fetch (files.ts) of a quality the grant allows, and it is sent from a kept open file
 * (gateways/media/open-files.ts) with Range (range-parser: 206, 416, suffix ranges), If-Range,
 * ETag, Last-Modified and conditional GETs (fresh). A request for several ranges gets the whole
 * file (200).
 *
 * `sendFile` is shared by the edges that send files themselves (Subsonic's `stream`, covers).
 */
import fresh from 'fresh';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import parseRange from 'range-parser';
import { allows } from '../../domain/streaming/policy.js';
import { NotAFileError, OpenFiles, type OpenFile } from '../../gateways/media/open-files.js';
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
  /** The bytes (a range read at once), a stream (a large range), or nothing (HEAD, 304, 416). */
  body: Buffer | Readable;
}

/** Ranges up to this size are read at once from the kept file; larger ones are streamed. */
const READ_AT_ONCE_BYTES = 1024 * 1024;
const STREAM_CHUNK_BYTES = 64 * 1024;

/** The files answered lately, kept open (gateways/media/open-files.ts). One per process: every edge sends the same files. */
const openFiles = new OpenFiles({ capacity: 256, validMs: 1_000 });

/**
 * `path` answered to `request` with Range (range-parser), conditional GETs (fresh), ETag and
 * Last-Modified, as `mimeType`, cacheable for `maxAgeSeconds` (public: the URL is the
 * credential). One range is answered 206; several ranges, or a malformed header, get the whole
 * file (200); a range past the end answers 416 with `Content-Range: bytes *\/size` and no body.
 * If-Range keeps the range only while the ETag (or the date) still names the file. A missing file
 * throws MEDIA_NOT_FOUND.
 */
export async function sendFile(request: IncomingMessage, path: string, options: { mimeType: string; maxAgeSeconds: number; immutable?: boolean }): Promise<FileAnswer> {
  const file = await openFiles.acquire(path).catch((error: unknown) => {
    if (error instanceof NotAFileError || (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new MediaAccessError('MEDIA_NOT_FOUND', 'no such media file');
    }
    throw error;
  });
  let reading = false;
  try {
    const validators = { ETag: `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`, 'Last-Modified': new Date(file.mtimeMs).toUTCString() };
    const headers: Record<string, string> = {
      'Accept-Ranges': 'bytes',
      ...validators,
      'Cache-Control': `public, max-age=${options.maxAgeSeconds}${options.immutable ? ', immutable' : ''}`,
    };
    if (fresh(request.headers, { etag: validators.ETag, 'last-modified': validators['Last-Modified'] })) return { statusCode: 304, headers, body: EMPTY };
    let from = 0;
    let length = file.size;
    let statusCode = 200;
    const range = request.headers.range;
    if (typeof range === 'string' && rangeStillValid(request.headers['if-range'] as string | undefined, validators)) {
      const ranges = parseRange(file.size, range, { combine: true });
      if (ranges === -1) return { statusCode: 416, headers: { 'Content-Range': `bytes */${file.size}` }, body: EMPTY };
      if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
        const { start, end } = ranges[0]!;
        statusCode = 206;
        from = start;
        length = end - start + 1;
        headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
      }
    }
    headers['Content-Type'] = options.mimeType;
    headers['X-Content-Type-Options'] = 'nosniff';
    headers['Content-Length'] = String(length);
    // An empty stream, not an empty buffer: Fastify would set Content-Length: 0 for the buffer.
    if (request.method === 'HEAD') return { statusCode, headers, body: Readable.from([]) };
    if (length === 0) return { statusCode, headers, body: EMPTY };
    if (length <= READ_AT_ONCE_BYTES) return { statusCode, headers, body: await file.read(from, length) };
    reading = true;
    return { statusCode, headers, body: streamOf(file, path, from, length) };
  } finally {
    if (!reading) file.release();
  }
}

/** If-Range: the range applies while the validator it names (an ETag, or a date) still names the file. */
function rangeStillValid(ifRange: string | undefined, validators: { ETag: string; 'Last-Modified': string }): boolean {
  if (ifRange === undefined) return true;
  if (ifRange.includes('"')) return ifRange === validators.ETag;
  const since = Date.parse(ifRange);
  return Number.isFinite(since) && Date.parse(validators['Last-Modified']) <= since;
}

/** A large range, read in chunks from the kept file, which is released when the stream ends or is destroyed. */
function streamOf(file: OpenFile, path: string, from: number, length: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: STREAM_CHUNK_BYTES,
    read() {
      const size = Math.min(STREAM_CHUNK_BYTES, length - sent);
      if (size <= 0) return void this.push(null);
      file.read(from + sent, size).then(
        (chunk) => {
          if (chunk.length === 0) return void this.destroy(new Error(`${path} ended before its range`));
          sent += chunk.length;
          this.push(chunk);
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      file.release();
      callback(error);
    },
  });
}

const EMPTY = Buffer.alloc(0);
