/**
 * Media retrieval: stream, download, getCoverArt. A success is the bytes themselves (audio or an
 * image with its own Content-Type, Range and ETag by application/streaming's sendFile); a failure
 * is the usual envelope (70 not found, 50 not allowed, 10 a missing parameter).
 *
 * The quality comes from the same use case as `GET /v1/tracks/:id/stream` (offerStream: the
 * plan's cap, the track's markets), asked for what the app wants:
 * - `stream`: `maxBitRate` (kbps, 0 = no limit) below 320 asks for the 128 kbps AAC rendition, 320
 *   or more for 320 kbps; `format=raw` asks for the original (lossless, for plans that allow it);
 *   any other `format` (Chorus transcodes only to AAC) asks for at most 320 kbps AAC; nothing asks
 *   for the best the plan allows. `timeOffset` is ignored: the whole file is sent, and apps seek
 *   with Range as in any progressive file (the Transcode Offset extension is not offered).
 * - `download`: the original when the plan allows it (a lossless original, premium), else the
 *   best rendition the plan allows — the same rule as the HTTP API's `quality=lossless`.
 * Neither counts a play: apps report plays with `scrobble`.
 */
import { coverFile } from '../../application/streaming/covers.js';
import { MediaAccessError } from '../../application/streaming/errors.js';
import { sendFile, trackFilePath, type FileAnswer } from '../../application/streaming/media.js';
import { offerStream } from '../../application/streaming/stream.js';
import type { Quality } from '../../domain/catalog/events.js';
import { DomainError } from '../../domain/shared/errors.js';
import { getTrack } from '../../projections/sql/catalog.js';
import { SENT, type Method, type MethodContext, type StreamingDeps } from '../context.js';
import type { Params } from '../params.js';
import { SubsonicError, notFound } from '../errors.js';

/** The 320 kbps rendition's bitrate: a `maxBitRate` below it gets the 128 kbps one. */
const HIGH_KBPS = 320;
/** The largest `size` or `maxBitRate` taken (anything larger means "no limit" in practice). */
const MAX_PARAM = 100_000;

/** What the app asks of `stream` as a quality (undefined: the best the plan allows). */
export function streamQuality(params: Params): Quality | undefined {
  const format = params.string('format')?.toLowerCase();
  const maxBitRate = params.int('maxBitRate', { min: 0, max: MAX_PARAM, fallback: 0 });
  params.int('timeOffset', { min: 0, max: MAX_PARAM }); // checked, then ignored (see above)
  if (format === 'raw') return 'lossless';
  if (maxBitRate > 0) return maxBitRate < HIGH_KBPS ? 'low' : 'high';
  if (format !== undefined && format !== '') return 'high';
  return undefined;
}

function streaming(context: MethodContext): StreamingDeps {
  if (!context.deps.streaming) throw new SubsonicError(0, 'this server has no media store: it streams nothing');
  return context.deps.streaming;
}

/** The media errors of application/streaming as Subsonic's 70 (a track without audio is "no data"). */
async function media<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (error) {
    if (error instanceof MediaAccessError) throw notFound(error.code === 'COVER_NOT_FOUND' ? 'cover art' : 'media file');
    if (error instanceof DomainError && error.code === 'TRACK_HAS_NO_AUDIO') throw new SubsonicError(70, error.message);
    throw error;
  }
}

/** The offered file of `id` at `quality`, sent with Range (a 416 answers with an empty body). */
async function sendTrack(context: MethodContext, quality: Quality | undefined, attachment: boolean): Promise<typeof SENT> {
  const { deps, params, userId, request } = context;
  const s = streaming(context);
  const trackId = params.required('id');
  const file = await media(async () => {
    const offer = await offerStream({ sql: deps.sql, store: deps.store, projections: deps.projections, keys: s.keys, urlTtlSeconds: s.urlTtlSeconds, now: deps.now }, userId, trackId, quality);
    const path = trackFilePath(s.media, trackId, offer.file);
    const answer = await sendFile(request.raw, path, { mimeType: offer.mimeType, maxAgeSeconds: 0 });
    if (attachment) answer.headers['Content-Disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(`${trackId}.${extensionOf(offer.file)}`)}`;
    return answer;
  });
  // The URL carries the app's credentials and the answer depends on the user's plan: no shared cache.
  return send(context, file, 'private, no-cache');
}

const extensionOf = (file: string) => /\.([a-z0-9]{2,5})$/.exec(file)?.[1] ?? 'bin';

function send(context: MethodContext, file: FileAnswer, cacheControl: string): typeof SENT {
  const headers = { ...file.headers, 'Cache-Control': cacheControl };
  void context.reply.code(file.statusCode).headers(headers).send(file.body);
  return SENT;
}

/** The album a cover art id names: an album id (as the catalog's objects give it), or a song's id. */
async function coverAlbum(context: MethodContext, id: string): Promise<string> {
  const track = await getTrack(context.deps.sql, id);
  return track ? track.albumId : id;
}

export const mediaMethods: Record<string, Method> = {
  stream: { run: (context) => sendTrack(context, streamQuality(context.params), false) },
  download: { run: (context) => sendTrack(context, 'lossless', true) },
  getCoverArt: {
    async run(context) {
      const { deps, params } = context;
      const s = streaming(context);
      const id = params.required('id');
      const size = params.int('size', { min: 1, max: MAX_PARAM });
      const file = await media(async () => {
        let cover;
        try {
          cover = await coverFile({ sql: deps.sql, media: s.media }, id, { size });
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'ALBUM_NOT_FOUND')) throw error;
          const albumId = await coverAlbum(context, id);
          if (albumId === id) throw notFound(`cover art ${id}`);
          cover = await coverFile({ sql: deps.sql, media: s.media }, albumId, { size });
        }
        return sendFile(context.request.raw, cover.path, { mimeType: cover.mimeType, maxAgeSeconds: 0 });
      });
      return send(context, file, 'private, max-age=86400');
    },
  },
};
