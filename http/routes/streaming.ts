/**
 * Streaming: `GET /v1/tracks/:id/stream` (signed URLs of the best quality the plan allows), the
 * media those URLs name (`GET /media/{grant}/{trackId}/{file}`: renditions, HLS playlists and
 * segments, originals, with Range), and album covers (`GET /v1/albums/:id/cover?size=`, public).
 * The use cases are in application/streaming/; this edge checks input, answers and counts bytes.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { coverFile, MAX_COVER_SIZE, MIN_COVER_SIZE } from '../../application/streaming/covers.js';
import { resolveMedia, sendFile, type FileAnswer } from '../../application/streaming/media.js';
import { offerStream } from '../../application/streaming/stream.js';
import { PUBLIC, principal, type Api, type ApiDeps, type StreamingDeps } from '../context.js';
import { HttpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { Id, IdParams, IsoTime, responses } from '../schemas.js';

const Quality = Type.Union([Type.Literal('low'), Type.Literal('high'), Type.Literal('lossless')]);
const StreamQuery = Type.Object({ quality: Type.Optional(Quality) }, { additionalProperties: false });
const StreamOffer = Type.Object({
  trackId: Type.String(),
  quality: Quality,
  url: Type.String({ description: 'the progressive file (AAC in MP4, or the lossless original), signed; relative to this server' }),
  hls: Type.String({ description: 'the HLS master playlist, signed; its relative URIs keep the signature' }),
  bitrate: Type.Integer({ description: 'bits per second of the progressive file' }),
  codec: Type.String({ description: 'RFC 6381, e.g. mp4a.40.2' }),
  mimeType: Type.String(),
  durationMs: Type.Integer(),
  bytes: Type.Integer(),
  expiresAt: IsoTime,
});
const MediaParams = Type.Object(
  { grant: Type.String({ maxLength: 256 }), trackId: Id, '*': Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
const CoverQuery = Type.Object(
  {
    size: Type.Optional(Type.Integer({ minimum: MIN_COVER_SIZE, maximum: MAX_COVER_SIZE, description: 'longest side in pixels; served at the next size of a fixed ladder' })),
    format: Type.Optional(Type.Union([Type.Literal('jpeg'), Type.Literal('webp')])),
    v: Type.Optional(Type.String({ maxLength: 64, description: 'the image version from coverUrl: with it, the answer is cached for good' })),
  },
  { additionalProperties: false },
);
const Binary = (description: string) => Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description });
const YEAR = 365 * 24 * 60 * 60;

export async function streamingRoutes(app: Api, deps: ApiDeps, metrics: Metrics): Promise<void> {
  const streaming = (): StreamingDeps => {
    if (!deps.streaming) throw new HttpError('MEDIA_UNAVAILABLE', 'this server has no media store');
    return deps.streaming;
  };
  const answer = (reply: FastifyReply, file: FileAnswer, kind: string) => {
    const length = Number(file.headers['Content-Length'] ?? 0);
    if (file.statusCode === 416) {
      return reply
        .code(416)
        .headers(file.headers)
        .send({ error: { code: 'RANGE_NOT_SATISFIABLE', message: `the range is past the end of the file (${file.headers['Content-Range']})` } });
    }
    if (length > 0 && reply.request.method === 'GET') metrics.mediaBytes.inc({ kind }, length);
    return reply.code(file.statusCode).headers(file.headers).send(file.body);
  };

  app.get(
    '/v1/tracks/:id/stream',
    { schema: { params: IdParams, querystring: StreamQuery, response: responses({ 200: StreamOffer }) } },
    async (request) => {
      const s = streaming();
      const offer = await offerStream(
        { sql: deps.sql, store: deps.store, projections: deps.projections, keys: s.keys, urlTtlSeconds: s.urlTtlSeconds, now: deps.now, onOffer: (quality) => metrics.streamRequests.inc({ quality }) },
        principal(request).userId,
        request.params.id,
        request.query.quality,
      );
      const { file: _file, ...body } = offer;
      return body;
    },
  );

  app.get(
    '/media/:grant/:trackId/*',
    {
      config: PUBLIC,
      schema: {
        description: 'A file a signed URL of GET /v1/tracks/:id/stream names; Range, If-Range, ETag and Last-Modified are honoured.',
        params: MediaParams,
        response: responses({ 200: Binary('the whole file'), 206: Binary('the requested range') }),
      },
    },
    async (request, reply) => {
      const s = streaming();
      const { grant, trackId } = request.params;
      const resolved = resolveMedia({ media: s.media, keys: s.keys, now: deps.now }, grant, trackId, request.params['*']);
      const file = await sendFile(request.raw, resolved.path, { mimeType: resolved.mimeType, maxAgeSeconds: resolved.maxAgeSeconds });
      return answer(reply, file, resolved.mimeType.startsWith('audio/') ? 'audio' : 'playlist');
    },
  );

  app.get(
    '/v1/albums/:id/cover',
    {
      config: PUBLIC,
      schema: { params: IdParams, querystring: CoverQuery, response: responses({ 200: Binary('a JPEG, WebP or the original image') }) },
    },
    async (request, reply) => {
      const s = streaming();
      const { size, format, v } = request.query;
      const cover = await coverFile({ sql: deps.sql, media: s.media }, request.params.id, { size, format });
      // A URL that names the image (coverUrl's `v`) may be kept for good; one without it, an hour.
      const lasting = v === cover.version;
      const file = await sendFile(request.raw, cover.path, { mimeType: cover.mimeType, maxAgeSeconds: lasting ? YEAR : 3600, immutable: lasting });
      return answer(reply, file, 'cover');
    },
  );
}
