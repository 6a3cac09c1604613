/**
 * Recommendations (DESIGN.md section 12), learned from listening by the live model:
 * GET /v1/me/recommendations?limit=&seedTracks=&seedArtists=&seedGenres=&radio=
 *   for you, or with seeds a radio: each page says `next`, which goes on with the same radio and
 *   never serves a track twice; every item says why (`reasons`)
 * GET /v1/tracks/:id/similar?limit=        tracks co-listened with it
 * GET /v1/artists/:id/related?limit=       artists co-listened with it
 * `?after=<position>` waits until the model has applied that position (a play just sent).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { RecommendationService } from '../../application/recommendations/service.js';
import { ProjectionsBehindError } from '../../projections/manager.js';
import { RECOMMENDATIONS_PROJECTION } from '../../projections/recommendations/live.js';
import { existingArtists, genreExists } from '../../projections/sql/browse-queries.js';
import { getTracks } from '../../projections/sql/catalog.js';
import { principal, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { IdParams, Position, responses } from '../schemas.js';

const ID = '[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}';
const GENRE = '[^,]{1,50}';
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 }));

const RecommendationsQuery = Type.Object(
  {
    limit: Limit,
    seedTracks: Type.Optional(Type.String({ pattern: `^${ID}(,${ID}){0,4}$`, description: 'up to 5 comma-separated track ids' })),
    seedArtists: Type.Optional(Type.String({ pattern: `^${ID}(,${ID}){0,4}$`, description: 'up to 5 comma-separated artist ids' })),
    seedGenres: Type.Optional(Type.String({ pattern: `^${GENRE}(,${GENRE}){0,4}$`, description: 'up to 5 comma-separated genres' })),
    radio: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'the radio to go on with (from `next`)' })),
    after: Type.Optional(Position),
  },
  { additionalProperties: false },
);
const SimilarQuery = Type.Object({ limit: Limit, after: Type.Optional(Position) }, { additionalProperties: false });

const Reason = Type.Object({
  type: Type.Union(['similar-to', 'artist', 'genre', 'popular', 'new'].map((t) => Type.Literal(t))),
  id: Type.Optional(Type.String({ description: 'the track (similar-to), artist, genre or album (new) it comes from' })),
});
const Recommendation = Type.Object({ trackId: Type.String(), score: Type.Number(), reasons: Type.Array(Reason) });
const Recommendations = Type.Object({
  items: Type.Array(Recommendation),
  radio: Type.Optional(Type.String({ description: 'the radio this page belongs to' })),
  next: Type.Optional(Type.String({ description: 'the next page of the same radio (no repeats)' })),
});
const SimilarTracks = Type.Object({ items: Type.Array(Type.Object({ trackId: Type.String(), score: Type.Number() })) });
const RelatedArtists = Type.Object({ items: Type.Array(Type.Object({ artistId: Type.String(), score: Type.Number() })) });

const list = (value: string | undefined) => (value === undefined ? [] : [...new Set(value.split(','))]);
const genresOf = (value: string | undefined) => [...new Set(list(value).map((g) => g.trim().toLowerCase()))].filter((g) => g !== '');

/** The service, or 503 when this node does not run the model. */
export function recommendationsOf(deps: ApiDeps): RecommendationService {
  if (!deps.recommendations) throw new HttpError('SERVICE_UNAVAILABLE', 'recommendations are not served by this node');
  return deps.recommendations;
}

/** Read-your-writes on the recommendations model. */
export async function awaitModel(deps: ApiDeps, after: string | undefined): Promise<void> {
  if (after === undefined) return;
  try {
    deps.store.comparePositions(after, after);
  } catch {
    throw new HttpError('INVALID_POSITION', `after=${JSON.stringify(after)} is not a position Chorus returned`);
  }
  const timeoutMs = deps.afterTimeoutMs ?? 2_000;
  if (!(await recommendationsOf(deps).source.waitFor(after, timeoutMs))) throw new ProjectionsBehindError([RECOMMENDATIONS_PROJECTION], after, timeoutMs);
}

export async function recommendationRoutes(app: Api, deps: ApiDeps): Promise<void> {
  app.get('/v1/me/recommendations', { schema: { querystring: RecommendationsQuery, response: responses({ 200: Recommendations }) } }, async (request) => {
    const { userId } = principal(request);
    const query = request.query;
    const service = recommendationsOf(deps);
    await awaitModel(deps, query.after);
    const seeds = { tracks: list(query.seedTracks), artists: list(query.seedArtists), genres: genresOf(query.seedGenres) };
    await checkSeeds(deps, seeds);
    const limit = query.limit ?? 20;
    const answer = await service.forYou({ userId, limit, nowMs: deps.now().getTime(), seeds, ...(query.radio ? { radio: query.radio } : {}) });
    if (answer.radio === undefined) return { items: answer.items };
    return { items: answer.items, radio: answer.radio, next: nextPage(query, limit, answer.radio) };
  });

  app.get('/v1/tracks/:id/similar', { schema: { params: IdParams, querystring: SimilarQuery, response: responses({ 200: SimilarTracks }) } }, async (request) => {
    const service = recommendationsOf(deps);
    await awaitModel(deps, request.query.after);
    const { id } = request.params;
    if (!service.knowsTrack(id) && (await getTracks(deps.sql, [id])).size === 0) throw new HttpError('TRACK_NOT_FOUND', `track ${id} does not exist`);
    const items = service.similarTracks(id, request.query.limit ?? 20, deps.now().getTime());
    return { items: items.map((s) => ({ trackId: s.id, score: s.score })) };
  });

  app.get('/v1/artists/:id/related', { schema: { params: IdParams, querystring: SimilarQuery, response: responses({ 200: RelatedArtists }) } }, async (request) => {
    const service = recommendationsOf(deps);
    await awaitModel(deps, request.query.after);
    const { id } = request.params;
    if ((await existingArtists(deps.sql, [id])).size === 0) throw new HttpError('ARTIST_NOT_FOUND', `artist ${id} does not exist`);
    const items = service.relatedArtists(id, request.query.limit ?? 20, deps.now().getTime());
    return { items: items.map((s) => ({ artistId: s.id, score: s.score })) };
  });
}

/** Seeds must exist in the catalog: an unknown one is refused rather than silently ignored. */
async function checkSeeds(deps: ApiDeps, seeds: { tracks: string[]; artists: string[]; genres: string[] }): Promise<void> {
  if (seeds.tracks.length > 0) {
    const known = await getTracks(deps.sql, seeds.tracks);
    const missing = seeds.tracks.find((t) => !known.has(t));
    if (missing !== undefined) throw new HttpError('TRACK_NOT_FOUND', `seed track ${missing} does not exist`);
  }
  if (seeds.artists.length > 0) {
    const known = await existingArtists(deps.sql, seeds.artists);
    const missing = seeds.artists.find((a) => !known.has(a));
    if (missing !== undefined) throw new HttpError('ARTIST_NOT_FOUND', `seed artist ${missing} does not exist`);
  }
  for (const genre of seeds.genres) {
    if (!(await genreExists(deps.sql, genre))) throw new HttpError('GENRE_NOT_FOUND', `no track or album has the genre ${JSON.stringify(genre)}`);
  }
}

function nextPage(query: Static<typeof RecommendationsQuery>, limit: number, radio: string): string {
  const params = new URLSearchParams();
  if (query.seedTracks) params.set('seedTracks', query.seedTracks);
  if (query.seedArtists) params.set('seedArtists', query.seedArtists);
  if (query.seedGenres) params.set('seedGenres', query.seedGenres);
  params.set('limit', String(limit));
  params.set('radio', radio);
  return `/v1/me/recommendations?${params.toString()}`;
}
