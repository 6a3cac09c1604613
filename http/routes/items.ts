/**
 * The playlist's items through HTTP, applied to the same Yjs document the WebSocket clients edit
 * (so both converge): POST/DELETE /v1/playlists/:id/items, PUT /v1/playlists/:id/items/order.
 * Each answers once the edit is stored.
 */
import { Type } from '@sinclair/typebox';
import { MAX_ENTRIES, insertTracks, listEntries, moveRange, removeEntries } from '../../domain/playlist/document.js';
import { trackDurations } from '../../projections/sql/catalog.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { accessTo } from '../../application/playlist-access.js';
import { Id, IdParams, Position, responses, NoQuery } from '../schemas.js';
import type { PlaylistDocumentEditor } from '../../application/playlist-documents/editor.js';

const AddBody = Type.Object(
  { trackIds: Type.Array(Id, { minItems: 1, maxItems: 100 }), position: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ENTRIES })) },
  { additionalProperties: false },
);
const RemoveBody = Type.Object({ entryIds: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
const OrderBody = Type.Object(
  {
    rangeStart: Type.Integer({ minimum: 0 }),
    insertBefore: Type.Integer({ minimum: 0 }),
    rangeLength: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  },
  { additionalProperties: false },
);

/** Only the owner and editors of a collaborative playlist change its items. */
export async function requireWrite(deps: ApiDeps, playlistId: string, userId: string): Promise<PlaylistDocumentEditor> {
  const level = await accessTo(deps, playlistId, userId);
  if (level === 'not_found' || level === 'none') throw new HttpError('PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
  if (level === 'deleted') throw new HttpError('PLAYLIST_DELETED', `playlist ${playlistId} has been deleted`);
  if (level === 'read') throw new HttpError('FORBIDDEN', 'only the owner and the editors of a collaborative playlist change it');
  if (!deps.documents) throw new HttpError('SERVICE_UNAVAILABLE', 'collaborative editing is not running on this node');
  return deps.documents;
}

export async function itemRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.post(
    '/v1/playlists/:id/items',
    { config: WRITE, schema: { querystring: NoQuery, params: IdParams, body: AddBody, response: responses({ 201: Type.Object({ entryIds: Type.Array(Type.String()), position: Type.Optional(Position) }) }) } },
    async (request, reply) => {
      const { id } = request.params;
      const userId = principal(request).userId;
      const documents = await requireWrite(deps, id, userId);
      const known = await trackDurations(deps.sql, request.body.trackIds);
      const missing = [...new Set(request.body.trackIds.filter((t) => !known.has(t)))];
      if (missing.length > 0) throw new HttpError('TRACK_NOT_FOUND', `no such track: ${missing.join(', ')}`);
      const { result, position } = await documents.edit(id, userId, (doc) => {
        if (listEntries(doc).length + request.body.trackIds.length > MAX_ENTRIES) {
          throw new HttpError('VALIDATION_FAILED', `a playlist holds at most ${MAX_ENTRIES} items`);
        }
        return insertTracks(doc, request.body.trackIds, request.body.position, { addedBy: userId, addedAt: deps.now().toISOString(), newId: uuidv7 });
      });
      return reply.code(201).send(position ? { entryIds: result, position } : { entryIds: result });
    },
  );

  app.delete(
    '/v1/playlists/:id/items',
    { config: WRITE, schema: { querystring: NoQuery, params: IdParams, body: RemoveBody, response: responses({ 200: Type.Object({ removed: Type.Array(Type.String()), position: Type.Optional(Position) }) }) } },
    async (request) => {
      const { id } = request.params;
      const userId = principal(request).userId;
      const documents = await requireWrite(deps, id, userId);
      const { result, position } = await documents.edit(id, userId, (doc) => removeEntries(doc, request.body.entryIds));
      return position ? { removed: result, position } : { removed: result };
    },
  );

  app.put(
    '/v1/playlists/:id/items/order',
    { config: WRITE, schema: { querystring: NoQuery, params: IdParams, body: OrderBody, response: responses({ 200: Type.Object({ moved: Type.Boolean(), position: Type.Optional(Position) }) }) } },
    async (request) => {
      const { id } = request.params;
      const userId = principal(request).userId;
      const documents = await requireWrite(deps, id, userId);
      const { rangeStart, insertBefore, rangeLength = 1 } = request.body;
      const { result, position } = await documents.edit(id, userId, (doc) => {
        try {
          return moveRange(doc, rangeStart, insertBefore, rangeLength);
        } catch (error) {
          if (error instanceof RangeError) throw new HttpError('VALIDATION_FAILED', error.message);
          throw error;
        }
      });
      return position ? { moved: result, position } : { moved: result };
    },
  );
}
