/** Search and catalog reads: GET /v1/search, /v1/tracks/:id, /v1/tracks?ids=, /v1/albums/:id, /v1/artists/:id. */
import { Type } from '@sinclair/typebox';
import { SEARCH_TYPES, getAlbum, getArtist, getTrack, getTracks, search, type SearchType } from '../../projections/sql/catalog.js';
import { awaitAfter, type Api, type ApiDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { JSON_TYPE, ReadCache } from '../read-cache.js';
import { After, IdList, IdParams, Position, responses } from '../schemas.js';

const Audio = Type.Object({
  uri: Type.String(),
  mimeType: Type.String(),
  bytes: Type.Optional(Type.Integer()),
  codec: Type.Optional(Type.String()),
  durationMs: Type.Optional(Type.Integer()),
  bitrate: Type.Optional(Type.Integer()),
  sampleRate: Type.Optional(Type.Integer()),
  channels: Type.Optional(Type.Integer()),
  lossless: Type.Optional(Type.Boolean()),
  checksum: Type.Optional(Type.String()),
});
const Quality = Type.Union([Type.Literal('low'), Type.Literal('high'), Type.Literal('lossless')]);
const Loudness = Type.Object({ integratedLufs: Type.Number(), truePeakDbtp: Type.Number(), loudnessRangeLu: Type.Number() });
export const Track = Type.Object({
  id: Type.String(),
  title: Type.String(),
  durationMs: Type.Integer(),
  trackNumber: Type.Integer(),
  discNumber: Type.Integer(),
  genres: Type.Array(Type.String()),
  releaseDate: Type.String(),
  albumId: Type.String(),
  albumTitle: Type.String(),
  artistId: Type.String(),
  artistName: Type.String(),
  credit: Type.Optional(Type.String({ description: "the track's own artist, when it is not the album's" })),
  musicbrainzId: Type.Optional(Type.String()),
  audio: Type.Optional(Audio),
  playable: Type.Boolean({ description: 'it has audio that GET /v1/tracks/:id/stream serves' }),
  available: Type.Boolean({ description: 'false when its library file was removed' }),
  markets: Type.Optional(Type.Array(Type.String(), { description: 'countries where it may be played (absent: everywhere)' })),
  qualities: Type.Array(Quality),
  loudness: Type.Optional(Loudness),
});
export const AlbumSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  artistId: Type.String(),
  artistName: Type.String(),
  releaseDate: Type.String(),
  genres: Type.Array(Type.String()),
  trackCount: Type.Integer(),
  musicbrainzId: Type.Optional(Type.String()),
  coverUrl: Type.Optional(Type.String({ description: 'the cover art (no token needed), when the album has one' })),
});
const AlbumTrack = Type.Object({
  id: Type.String(),
  title: Type.String(),
  durationMs: Type.Integer(),
  trackNumber: Type.Integer(),
  discNumber: Type.Integer(),
  genres: Type.Array(Type.String()),
  playable: Type.Boolean(),
  credit: Type.Optional(Type.String()),
});
const Album = Type.Composite([AlbumSummary, Type.Object({ tracks: Type.Array(AlbumTrack) })]);
const ArtistSummary = Type.Object({ id: Type.String(), name: Type.String(), genres: Type.Array(Type.String()) });
const Artist = Type.Composite([ArtistSummary, Type.Object({ addedAt: Type.String(), musicbrainzId: Type.Optional(Type.String()), albums: Type.Array(AlbumSummary) })]);

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

  // Several tracks at once (a chart, a feed, a playlist): in the order asked, null for an unknown id.
  const TracksQuery = Type.Object({ ids: IdList, after: Type.Optional(Position) }, { additionalProperties: false });
  const Tracks = Type.Object({ items: Type.Array(Type.Union([Track, Type.Null()])) });
  app.get('/v1/tracks', { schema: { querystring: TracksQuery, response: responses({ 200: Tracks }) } }, async (request) => {
    await awaitAfter(deps, request.query.after, ['catalog']);
    const ids = request.query.ids.split(',');
    const found = await getTracks(deps.sql, ids);
    return { items: ids.map((id) => found.get(id) ?? null) };
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
