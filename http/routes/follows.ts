/**
 * Follows: PUT/DELETE /v1/me/following/{users,artists,playlists}/:id (204, idempotent),
 * GET /v1/me/following/contains (which of these I follow), and people: GET /v1/users/:id with
 * its /followers and /following.
 */
import { Type } from '@sinclair/typebox';
import { handleCommand } from '../../application/handle-command.js';
import { canRead } from '../../domain/playlist/access.js';
import { userDecider, type UserCommand } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import { followers, following, followsAmong } from '../../projections/sql/follows.js';
import { getUser } from '../../projections/sql/users.js';
import { awaitAfter, commandMetadata, noContent, principal, WRITE, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { artistExists, playlistState, userExists } from '../../application/facts.js';
import { After, IdList, IdParams, IsoTime, Page, Paging, Position, responses, NoQuery } from '../schemas.js';

const FollowUser = Type.Object({ userId: Type.String(), displayName: Type.Optional(Type.String()), followedAt: IsoTime });
const NoContent = { 204: Type.Null() };
const Profile = Type.Object({ userId: Type.String(), displayName: Type.String(), followers: Type.Integer(), following: Type.Integer() });
const ContainsQuery = Type.Object(
  {
    type: Type.Union([Type.Literal('users'), Type.Literal('artists'), Type.Literal('playlists')]),
    ids: IdList,
    after: Type.Optional(Position),
  },
  { additionalProperties: false },
);

type Target = 'users' | 'artists' | 'playlists';

/** The command for following (or not) `id`, with the facts it needs looked up. */
async function followCommand(deps: ApiDeps, userId: string, target: Target, id: string, follow: boolean): Promise<UserCommand> {
  const at = deps.now().toISOString();
  switch (target) {
    case 'users':
      return follow
        ? { type: 'FollowUser', userId, followeeId: id, followeeExists: await userExists(deps, id), at }
        : { type: 'UnfollowUser', userId, followeeId: id, at };
    case 'artists':
      return follow
        ? { type: 'FollowArtist', userId, artistId: id, artistExists: await artistExists(deps, id), at }
        : { type: 'UnfollowArtist', userId, artistId: id, at };
    case 'playlists': {
      if (!follow) return { type: 'UnfollowPlaylist', userId, playlistId: id, at };
      const state = await playlistState(deps.store, id);
      if (state.status === 'deleted' && canRead(state, userId)) throw new HttpError('PLAYLIST_DELETED', `playlist ${id} has been deleted`);
      return { type: 'FollowPlaylist', userId, playlistId: id, playlistVisible: state.status === 'active' && canRead(state, userId), at };
    }
  }
}

export async function followRoutes(app: Api, deps: ApiDeps): Promise<void> {
  for (const target of ['users', 'artists', 'playlists'] as const) {
    for (const [method, follow] of [['PUT', true], ['DELETE', false]] as const) {
      app.route({
        method,
        url: `/v1/me/following/${target}/:id`,
        config: WRITE,
        schema: { querystring: NoQuery, params: IdParams, response: responses(NoContent) },
        handler: async (request, reply) => {
          const { userId } = principal(request);
          const command = await followCommand(deps, userId, target, request.params.id, follow);
          const result = await handleCommand(deps.store, userDecider, userStream(userId), command, commandMetadata(request));
          return noContent(reply, result.position);
        },
      });
    }
  }

  app.get('/v1/me/following/contains', { schema: { querystring: ContainsQuery, response: responses({ 200: Type.Object({ items: Type.Array(Type.Boolean()) }) }) } }, async (request) => {
    const ids = request.query.ids.split(',');
    await awaitAfter(deps, request.query.after, ['users']);
    const followed = await followsAmong(deps.sql, principal(request).userId, request.query.type, ids);
    return { items: ids.map((id) => followed.has(id)) };
  });

  app.get('/v1/users/:id', { schema: { params: IdParams, querystring: After, response: responses({ 200: Profile }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['users']);
    const user = await getUser(deps.sql, request.params.id);
    if (!user) throw new HttpError('USER_NOT_FOUND', `user ${request.params.id} does not exist`);
    return { userId: user.id, displayName: user.displayName, followers: user.followers, following: user.following };
  });

  for (const [path, query] of [['followers', followers], ['following', following]] as const) {
    app.get(`/v1/users/:id/${path}`, { schema: { params: IdParams, querystring: Paging, response: responses({ 200: Page(FollowUser) }) } }, async (request) => {
      await awaitAfter(deps, request.query.after, ['users']);
      if (!(await userExists(deps, request.params.id))) throw new HttpError('USER_NOT_FOUND', `user ${request.params.id} does not exist`);
      return query(deps.sql, request.params.id, request.query);
    });
  }
}
