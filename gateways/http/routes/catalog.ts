/** Search and catalog reads: GET /v1/search, /v1/tracks/:id, /v1/albums/:id, /v1/artists/:id. */
import { Type } from '@sinclair/typebox';
import { SEARCH_TYPES, getAlbum, getArtist, getTrack, search, type SearchType } from '../../../projections/sql/catalog.js';
import { awaitAfter, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { JSON_TYPE, ReadCache } from '../read-cache.js';
import { After, IdParams, Position, responses } from '../schemas.js';

const Audio = Type.Object({ uri: Type.String(), mimeType: Type.String(), bytes: Type.Optional(Type.Integer()) });
const Track = Type.Object({
  id: Type.String(),
  title: Type.String(),
  durationMs: Type.Integer(),
  trackNumber: Type.Integer(),
  genres: Type.Array(Type.String()),
  releaseDate: Type.String(),
  albumId: Type.String(),
  albumTitle: Type.String(),
  artistId: Type.String(),
  artistName: Type.String(),
  audio: Type.Optional(Audio),
});
const AlbumSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  artistId: Type.String(),
  artistName: Type.String(),
  releaseDate: Type.String(),
  genres: Type.Array(Type.String()),
  trackCount: Type.Integer(),
});
const Album = Type.Composite([
  AlbumSummary,
  Type.Object({ tracks: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), durationMs: Type.Integer(), trackNumber: Type.Integer(), genres: Type.Array(Type.String()) })) }),
]);
const ArtistSummary = Type.Object({ id: Type.String(), name: Type.String(), genres: Type.Array(Type.String()) });
const Artist = Type.Composite([ArtistSummary, Type.Object({ addedAt: Type.String(), albums: Type.Array(AlbumSummary) })]);

const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Optional(Type.String({ pattern: '^(track|album|artist)(,(track|album|artist))*$', description: 'comma-separated: track,album,artist' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    after: Type.Optional(Position),
  },
  { additionalProperties: false },
);
const SearchResults = Type.Object({
  tracks: Type.Optional(Type.Array(Track)),
  albums: Type.Optional(Type.Array(AlbumSummary)),
  artists: Type.Optional(Type.Array(ArtistSummary)),
});

export async function catalogRoutes(app: Api, deps: ApiDeps): Promise<void> {
  // Answers are kept per content version of the catalog read model, serialised (by the route's
  // response schema) once: the catalog changes rarely and the same searches come back all day.
  const answers = new ReadCache<string>(deps, ['catalog'], 10_000);

  app.get('/v1/search', { schema: { querystring: SearchQuery, response: responses({ 200: SearchResults }) } }, async (request, reply) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const types = request.query.type ? ([...new Set(request.query.type.split(','))].sort() as SearchType[]) : [...SEARCH_TYPES];
    const limit = request.query.limit ?? 20;
    const body = await answers.get(JSON.stringify([request.query.q, types, limit]), async () => {
      const results = await search(deps.sql, request.query.q, { types, limit });
      return String(
        reply.serialize({
          ...(types.includes('track') ? { tracks: results.tracks } : {}),
          ...(types.includes('album') ? { albums: results.albums } : {}),
          ...(types.includes('artist') ? { artists: results.artists } : {}),
        }),
      );
    });
    return reply.type(JSON_TYPE).send(body);
  });

  app.get('/v1/tracks/:id', { schema: { params: IdParams, querystring: After, response: responses({ 200: Track }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const track = await getTrack(deps.sql, request.params.id);
    if (!track) throw new HttpError('TRACK_NOT_FOUND', `track ${request.params.id} does not exist`);
    return track;
  });

  app.get('/v1/albums/:id', { schema: { params: IdParams, querystring: After, response: responses({ 200: Album }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const album = await getAlbum(deps.sql, request.params.id);
    if (!album) throw new HttpError('ALBUM_NOT_FOUND', `album ${request.params.id} does not exist`);
    return album;
  });

  app.get('/v1/artists/:id', { schema: { params: IdParams, querystring: After, response: responses({ 200: Artist }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const artist = await getArtist(deps.sql, request.params.id);
    if (!artist) throw new HttpError('ARTIST_NOT_FOUND', `artist ${request.params.id} does not exist`);
    return artist;
  });
}
