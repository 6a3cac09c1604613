/**
 * Discovery (DESIGN.md section 12):
 * GET /v1/browse/genres                 every genre with its track and album counts
 * GET /v1/browse/genres/:genre?limit=   its popular tracks (from listening) and newest albums
 * GET /v1/browse/new-releases?limit=    albums released lately, newest first
 * Genres are lower case (the catalog normalises them); the path's genre is matched so.
 */
import { Type } from '@sinclair/typebox';
import { genreExists, listGenres, newAlbums } from '../../projections/sql/browse-queries.js';
import { getTracks } from '../../projections/sql/catalog.js';
import { awaitAfter, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { JSON_TYPE, ReadCache } from '../read-cache.js';
import { After, Page, Position, responses } from '../schemas.js';
import { AlbumSummary, Track } from './catalog.js';
import { awaitModel, recommendationsOf } from './recommendations.js';

const LimitQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })), after: Type.Optional(Position) },
  { additionalProperties: false },
);
const GenreParams = Type.Object({ genre: Type.String({ minLength: 1, maxLength: 50, pattern: '\\S' }) }, { additionalProperties: false });
const Genre = Type.Object({ genre: Type.String(), tracks: Type.Integer(), albums: Type.Integer() });
const TopTrack = Type.Composite([Track, Type.Object({ score: Type.Number({ description: 'the last week\'s plays plus a twentieth of all-time plays' }) })]);
const GenrePage = Type.Object({ genre: Type.String(), topTracks: Type.Array(TopTrack), newAlbums: Type.Array(AlbumSummary) });

const today = (deps: ApiDeps) => deps.now().toISOString().slice(0, 10);

export async function browseRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.get('/v1/browse/genres', { schema: { querystring: After, response: responses({ 200: Page(Genre) }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    return { items: await listGenres(deps.sql) };
  });

  app.get('/v1/browse/genres/:genre', { schema: { params: GenreParams, querystring: LimitQuery, response: responses({ 200: GenrePage }) } }, async (request) => {
    const genre = request.params.genre.trim().toLowerCase();
    const limit = request.query.limit ?? 20;
    await awaitAfter(deps, request.query.after, ['catalog']);
    await awaitModel(deps, request.query.after);
    if (!(await genreExists(deps.sql, genre))) throw new HttpError('GENRE_NOT_FOUND', `no track or album has the genre ${JSON.stringify(genre)}`);
    const top = recommendationsOf(deps).genreTop(genre, limit, deps.now().getTime());
    const [tracks, albums] = await Promise.all([getTracks(deps.sql, top.map((t) => t.id)), newAlbums(deps.sql, { today: today(deps), limit, genre })]);
    const topTracks = top.flatMap((t) => {
      const track = tracks.get(t.id);
      return track ? [{ ...track, score: t.score }] : [];
    });
    return { genre, topTracks, newAlbums: albums };
  });

  // Kept serialised per catalog version and day (what counts as released moves with the date), as
  // the catalog's other answers: every home screen asks for it.
  const newReleases = new ReadCache<string>(deps, ['catalog'], 1_000);
  app.get('/v1/browse/new-releases', { schema: { querystring: LimitQuery, response: responses({ 200: Page(AlbumSummary) }) } }, async (request, reply) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const day = today(deps);
    const limit = request.query.limit ?? 20;
    const body = await newReleases.get(JSON.stringify([day, limit]), async () => String(reply.serialize({ items: await newAlbums(deps.sql, { today: day, limit }) })));
    return reply.type(JSON_TYPE).send(body);
  });
}
