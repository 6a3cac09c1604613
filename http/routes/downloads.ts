/**
 * Offline downloads (application/player/downloads.ts): `POST /v1/me/downloads` grants a device
 * tracks (given, an album's or a playlist's) with long-lived signed URLs, `GET /v1/me/downloads`
 * lists a device's, `DELETE /v1/me/downloads` revokes them, and `GET /v1/downloads/{token}/...`
 * serves the files (the URL is the credential; the device must still hold the grant).
 */
import { Type } from '@sinclair/typebox';
import { grantDownloads, listDownloads, resolveDownload, revokeDownloads, type DownloadDeps } from '../../application/player/downloads.js';
import { sendFile } from '../../application/streaming/media.js';
import { PlayerService } from '../../application/player/player.js';
import { commandMetadata, PUBLIC, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { Id, IsoTime, Position, responses } from '../schemas.js';

const Item = Type.Object({
  trackId: Type.String(),
  quality: Type.Union([Type.Literal('low'), Type.Literal('high'), Type.Literal('lossless')]),
  url: Type.String({ description: 'signed for this device until expiresAt; relative to this server' }),
  bytes: Type.Integer(),
  expiresAt: IsoTime,
});
const GrantBody = Type.Object(
  {
    deviceId: Id,
    trackIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 500 })),
    albumId: Type.Optional(Id),
    playlistId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
const DeviceQuery = Type.Object({ deviceId: Id }, { additionalProperties: false });
const FileParams = Type.Object({ token: Type.String({ maxLength: 512 }), trackId: Id, '*': Type.String({ maxLength: 200 }) }, { additionalProperties: false });

export async function downloadRoutes(app: Api, deps: ApiDeps): Promise<void> {
  const player = deps.player ?? new PlayerService(deps);
  const downloads = (): DownloadDeps => {
    if (!deps.streaming) throw new HttpError('MEDIA_UNAVAILABLE', 'this server has no media store');
    return { store: deps.store, sql: deps.sql, now: deps.now, keys: deps.streaming.keys, media: deps.streaming.media, player };
  };

  app.post(
    '/v1/me/downloads',
    { config: WRITE, schema: { body: GrantBody, response: responses({ 201: Type.Object({ items: Type.Array(Item), position: Type.Optional(Position) }) }) } },
    async (request, reply) => {
      const given = [request.body.trackIds, request.body.albumId, request.body.playlistId].filter((x) => x !== undefined).length;
      if (given !== 1) throw new HttpError('VALIDATION_FAILED', 'give exactly one of trackIds, albumId or playlistId');
      const result = await grantDownloads(downloads(), principal(request).userId, request.body, commandMetadata(request));
      return reply.code(201).send({ items: result.items, ...(result.position ? { position: result.position } : {}) });
    },
  );
  app.get('/v1/me/downloads', { schema: { querystring: DeviceQuery, response: responses({ 200: Type.Object({ items: Type.Array(Item) }) }) } }, async (request) => ({
    items: await listDownloads(downloads(), principal(request).userId, request.query.deviceId),
  }));
  app.delete('/v1/me/downloads', { config: WRITE, schema: { querystring: DeviceQuery, response: responses({ 200: Type.Object({ position: Type.Optional(Position) }) }) } }, async (request) => {
    const position = await revokeDownloads(downloads(), principal(request).userId, request.query.deviceId, commandMetadata(request));
    return position ? { position } : {};
  });
  app.get(
    '/v1/downloads/:token/:trackId/*',
    {
      config: PUBLIC,
      schema: {
        description: 'A file a download URL names, while its device holds the grant; Range, If-Range and ETag are honoured.',
        params: FileParams,
        response: responses({ 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), 206: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) }),
      },
    },
    async (request, reply) => {
      const resolved = await resolveDownload(downloads(), request.params.token, request.params.trackId, request.params['*']);
      const file = await sendFile(request.raw, resolved.path, { mimeType: resolved.mimeType, maxAgeSeconds: 0 });
      if (file.statusCode === 416) return reply.code(416).headers(file.headers).send({ error: { code: 'RANGE_NOT_SATISFIABLE', message: 'the range is past the end of the file' } });
      return reply.code(file.statusCode).headers(file.headers).send(file.body);
    },
  );
}
