/**
 * Playlists: create, read, change, delete, collaborators. The collaborative contents (items) are
 * edited through the sync server and the item routes; here `items` is what the read model has.
 */
import { Type } from '@sinclair/typebox';
import { playlistCommandsDecider, runPlaylistCommands } from '../../application/playlist-commands.js';
import { canRead } from '../../domain/playlist/access.js';
import type { PlaylistCommand, PlaylistState } from '../../domain/playlist/decider.js';
import { playlistView, type PlaylistView as StoredView } from '../../projections/sql/playlist-view.js';
import { ownedPlaylistCount } from '../../projections/sql/playlists.js';

/** The read models a playlist answer comes from. */
const READS = ['playlists', 'playlist-items'];
import { describe as describePlaylist, readMeta, rename } from '../../domain/playlist/document.js';
import { MAX_DESCRIPTION_LENGTH, checkName, checkText } from '../../domain/shared/checks.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { awaitAfter, commandMetadata, noContent, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import { playlistState, userExists } from '../../application/facts.js';
import { After, Id, IdParams, Position, responses, NoQuery } from '../schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 1_000 });
const CreateBody = Type.Object(
  { name: Name, description: Type.Optional(Description), public: Type.Optional(Type.Boolean()), collaborative: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), public: Type.Optional(Type.Boolean()), collaborative: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
const Role = Type.Union([Type.Literal('editor'), Type.Literal('viewer')]);
const CollaboratorParams = Type.Object({ id: Id, userId: Id }, { additionalProperties: false });
const CollaboratorBody = Type.Object({ role: Role }, { additionalProperties: false });
const Item = Type.Object({ entryId: Type.String(), trackId: Type.String(), addedBy: Type.String(), addedAt: Type.String() });
const PlaylistView = Type.Object({
  id: Type.String(),
  ownerId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  public: Type.Boolean(),
  collaborative: Type.Boolean(),
  collaborators: Type.Array(Type.Object({ userId: Type.String(), role: Type.String() })),
  items: Type.Array(Item),
  position: Type.Optional(Position),
});
const NoContent = { 204: Type.Null() };

export async function playlistRoutes(app: Api, deps: ApiDeps): Promise<void> {
  const run = (request: Parameters<typeof commandMetadata>[0], playlistId: string, commands: PlaylistCommand[]) =>
    runPlaylistCommands(deps.store, playlistId, commands, commandMetadata(request));

  app.post('/v1/playlists', { config: WRITE, schema: { querystring: NoQuery, body: CreateBody, response: responses({ 201: PlaylistView }) } }, async (request, reply) => {
    const ownerId = principal(request).userId;
    // Counted in the read model: playlists created in the last moments may not be in it yet, so a
    // burst can pass the cap by a few (the write rate limit bounds how many).
    const max = deps.maxPlaylistsPerUser ?? 1_000;
    if ((await ownedPlaylistCount(deps.sql, ownerId)) >= max) {
      throw new HttpError('PLAYLIST_LIMIT_REACHED', `a user owns at most ${max} playlists; delete one before creating another`);
    }
    const id = uuidv7();
    const result = await run(request, id, [{ type: 'CreatePlaylist', playlistId: id, ownerId, ...request.body, at: deps.now().toISOString() }]);
    const state = result.state;
    if (state.status !== 'active') throw new Error('a created playlist is active');
    // The collaborative document starts with the name and description, for the devices that open it.
    const seeded = await deps.documents?.edit(id, ownerId, (doc) => {
      rename(doc, state.name);
      if (state.description) describePlaylist(doc, state.description);
    });
    return reply.code(201).send({ ...view(state), position: seeded?.position ?? result.position });
  });

  // Playlists are read far more often than they change: answers of the read models are kept
  // per content version of both (any change to either makes them read again).
  const views = new ReadCache<StoredView | null>(deps, READS, 10_000);

  app.get('/v1/playlists/:id', { schema: { params: IdParams, querystring: After, response: responses({ 200: PlaylistView }) } }, async (request) => {
    const userId = principal(request).userId;
    await awaitAfter(deps, request.query.after, READS);
    const position = await deps.projections.processed(READS);
    const stored = await views.get(request.params.id, async () => (await playlistView(deps.sql, request.params.id)) ?? null);
    if (stored && !stored.deleted) {
      if (!canRead({ ...stored, collaborators: new Map(stored.collaborators.map((c) => [c.userId, c.role])) }, userId)) throw notFound(request.params.id);
      const { deleted: _deleted, ...playlist } = stored;
      return { ...playlist, ...(position ? { position } : {}) };
    }
    // Not in the read model (yet): the stream decides.
    const state = await playlistState(deps.store, request.params.id);
    if (state.status === 'none' || !canRead(state, userId)) throw notFound(request.params.id);
    if (state.status === 'deleted') throw new HttpError('PLAYLIST_DELETED', `playlist ${request.params.id} has been deleted`);
    return { ...view(state), ...(position ? { position } : {}) };
  });

  app.patch('/v1/playlists/:id', { config: WRITE, schema: { querystring: NoQuery, params: IdParams, body: PatchBody, response: responses({ 200: Type.Object({ id: Type.String(), position: Type.Optional(Position) }) }) } }, async (request) => {
    const { id } = request.params;
    const actorId = principal(request).userId;
    const at = deps.now().toISOString();
    const { name, description, collaborative } = request.body;
    const commands: PlaylistCommand[] = [];
    if (request.body.public !== undefined || collaborative !== undefined) {
      commands.push({ type: 'ChangePlaylistVisibility', playlistId: id, actorId, public: request.body.public, collaborative, at });
    }
    const details: PlaylistCommand | undefined =
      name !== undefined || description !== undefined ? { type: 'ChangePlaylistDetails', playlistId: id, actorId, name, description, at } : undefined;
    if (!deps.documents || !details) {
      const result = await run(request, id, details ? [...commands, details] : commands);
      return result.position ? { id, position: result.position } : { id };
    }
    // Name and description live in the collaborative document too: they change there (as a
    // PlaylistEdited), after every part of the request has been checked against the current state.
    // The decider checks permissions and values; the document (not the event history) knows the
    // current name, so the given fields are always written to it.
    playlistCommandsDecider.decide([...commands, details], await playlistState(deps.store, id));
    let position = commands.length > 0 ? (await run(request, id, commands)).position : undefined;
    const edited = await deps.documents.edit(id, actorId, (doc) => {
      const current = readMeta(doc);
      const newName = name === undefined ? undefined : checkName(name, 'name');
      const newDescription = description === undefined ? undefined : checkText(description, 'description', MAX_DESCRIPTION_LENGTH);
      if (newName !== undefined && newName !== current.name) rename(doc, newName);
      if (newDescription !== undefined && newDescription !== current.description) describePlaylist(doc, newDescription);
    });
    position = edited.position ?? position;
    return position ? { id, position } : { id };
  });

  app.delete('/v1/playlists/:id', { config: WRITE, schema: { querystring: NoQuery, params: IdParams, response: responses(NoContent) } }, async (request, reply) => {
    const { id } = request.params;
    const result = await run(request, id, [{ type: 'DeletePlaylist', playlistId: id, actorId: principal(request).userId, at: deps.now().toISOString() }]);
    return noContent(reply, result.position);
  });

  app.put(
    '/v1/playlists/:id/collaborators/:userId',
    { config: WRITE, schema: { querystring: NoQuery, params: CollaboratorParams, body: CollaboratorBody, response: responses(NoContent) } },
    async (request, reply) => {
      const { id, userId } = request.params;
      const command: PlaylistCommand = {
        type: 'SetCollaborator',
        playlistId: id,
        actorId: principal(request).userId,
        userId,
        role: request.body.role,
        userExists: await userExists(deps, userId),
        at: deps.now().toISOString(),
      };
      return noContent(reply, (await run(request, id, [command])).position);
    },
  );

  app.delete('/v1/playlists/:id/collaborators/:userId', { config: WRITE, schema: { querystring: NoQuery, params: CollaboratorParams, response: responses(NoContent) } }, async (request, reply) => {
    const { id, userId } = request.params;
    const command: PlaylistCommand = { type: 'RemoveCollaborator', playlistId: id, actorId: principal(request).userId, userId, at: deps.now().toISOString() };
    return noContent(reply, (await run(request, id, [command])).position);
  });
}

function view(state: Extract<PlaylistState, { status: 'active' | 'deleted' }>) {
  return {
    id: state.playlistId,
    ownerId: state.ownerId,
    name: state.name,
    description: state.description,
    public: state.public,
    collaborative: state.collaborative,
    collaborators: [...state.collaborators].map(([userId, role]) => ({ userId, role })),
    items: [],
  };
}

const notFound = (id: string) => new HttpError('PLAYLIST_NOT_FOUND', `playlist ${id} does not exist`);
