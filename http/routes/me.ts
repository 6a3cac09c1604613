/** The caller: GET /v1/me, their playlists, recent plays and friend feed. */
import { Type } from '@sinclair/typebox';
import { loadStream } from '../../application/handle-command.js';
import { userDecider } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import { recentPlays } from '../../projections/cache/recent-plays.js';
import { FEED_READS, feed } from '../../projections/sql/feed.js';
import { playlistsOf } from '../../projections/sql/playlists.js';
import { playlistMeta } from '../../projections/sql/playlist-items.js';
import { getUser } from '../../projections/sql/users.js';
import { awaitAfter, principal, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { After, IsoTime, Page, Paging, Position, responses } from '../schemas.js';

const Me = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  username: Type.Optional(Type.String()),
  role: Type.Optional(Type.String()),
  plan: Type.Optional(Type.String()),
  country: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  followers: Type.Optional(Type.Integer()),
  following: Type.Optional(Type.Integer()),
});
const Limit = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })), after: Type.Optional(Position) }, { additionalProperties: false });
const RecentPlay = Type.Object({
  trackId: Type.String(),
  playedAt: IsoTime,
  msPlayed: Type.Integer(),
  context: Type.Optional(Type.Object({ type: Type.String(), id: Type.Optional(Type.String()) })),
});
const Activity = Type.Object({ userId: Type.String(), displayName: Type.Optional(Type.String()), trackId: Type.String(), playedAt: IsoTime });
export const PlaylistSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  ownerId: Type.String(),
  description: Type.String(),
  public: Type.Boolean(),
  collaborative: Type.Boolean(),
  role: Type.String(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

export async function meRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.get('/v1/me', { schema: { querystring: After, response: responses({ 200: Me }) } }, async (request) => {
    const { userId } = principal(request);
    await awaitAfter(deps, request.query.after, ['users']);
    const user = await getUser(deps.sql, userId);
    if (user) {
      const { displayName, username, role, plan, country, followers, following } = user;
      return { userId, displayName, ...(username ? { username } : {}), role, plan, country, followers, following };
    }
    // Registered a moment ago: the stream knows before the read model does.
    const { state } = await loadStream(deps.store, userDecider, userStream(userId));
    if (state.status !== 'registered') throw new HttpError('USER_NOT_FOUND', `user ${userId} is not registered`);
    return { userId, displayName: state.displayName, role: state.role, plan: state.plan, country: state.country };
  });

  app.get('/v1/me/playlists', { schema: { querystring: Paging, response: responses({ 200: Page(PlaylistSummary) }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['playlists', 'playlist-items']);
    const page = await playlistsOf(deps.sql, principal(request).userId, request.query);
    const meta = await playlistMeta(deps.sql, page.items.map((p) => p.id));
    return { ...page, items: page.items.map((p) => ({ ...p, ...meta.get(p.id) })) };
  });

  app.get('/v1/me/plays/recent', { schema: { querystring: Limit, response: responses({ 200: Page(RecentPlay) }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['recent-plays']);
    const items = await recentPlays(deps.cache, deps.projections.cacheKeys('recent-plays'), principal(request).userId, request.query.limit ?? 20);
    return { items };
  });

  app.get('/v1/me/feed', { schema: { querystring: Limit, response: responses({ 200: Page(Activity) }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, FEED_READS);
    return { items: await feed(deps.sql, principal(request).userId, { limit: request.query.limit ?? 20 }) };
  });
}
