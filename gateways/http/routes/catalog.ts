/** Search and catalog reads: GET /v1/search, /v1/tracks/:id, /v1/albums/:id, /v1/artists/:id. */
import { Type } from '@sinclair/typebox';
import { SEARCH_TYPES, getAlbum, getArtist, getTrack, search, type SearchResults as Found, type SearchType } from '../../../projections/sql/catalog.js';
import { Lru } from '../lru.js';
import { awaitAfter, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
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
  // Results are kept per version of the catalog read model: the catalog changes rarely
  // and the same searches come back all day.
  const results = new Lru<string, Found>(10_000);
  const cachedSearch = async (q: string, types: SearchType[], limit: number): Promise<Found> => {
    const key = JSON.stringify([await deps.projections.contentVersion('catalog'), q, types, limit]);
    const known = results.get(key);
    if (known) return known;
    const found = await search(deps.sql, q, { types, limit });
    results.set(key, found, 60_000);
    return found;
  };

  app.get('/v1/search', { schema: { querystring: SearchQuery, response: responses({ 200: SearchResults }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const types = request.query.type ? ([...new Set(request.query.type.split(','))].sort() as SearchType[]) : [...SEARCH_TYPES];
    const results = await cachedSearch(request.query.q, types, request.query.limit ?? 20);
    return {
      ...(types.includes('track') ? { tracks: results.tracks } : {}),
      ...(types.includes('album') ? { albums: results.albums } : {}),
      ...(types.includes('artist') ? { artists: results.artists } : {}),
    };
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
