/**
 * search3: artists, albums and songs matching a query, each paged (`artistCount`/`artistOffset`,
 * …). An empty query (`""`, as apps that copy the whole library send) lists everything in pages.
 * Text search ranks at most 50 results of each kind (the catalog's search read model). What the
 * catalog answers is kept per catalog version (the same for every user; apps repeat searches as
 * the user types); the whole answer, with the user's stars and the play counts, is kept per user
 * and per version of the catalog, `users` (stars) and `play-counts` read models (answers.ts).
 */
import { ReadCache } from '../../application/read-cache.js';
import { artistsByIds, listAlbums, listArtists, listTracks, type ListedArtist } from '../../projections/sql/catalog-browse.js';
import { getTracks, search, type SearchType } from '../../projections/sql/catalog.js';
import type { Track } from '../../projections/sql/catalog-queries.js';
import { AnswerCache } from '../answers.js';
import { perDeps, type Method, type MethodContext, type SubsonicDeps } from '../context.js';
import type { Payload } from '../envelope.js';
import { album } from '../mapping.js';
import type { Params } from '../params.js';
import { artistsFor, coversOf, songsFor } from './annotate.js';

const MAX_SEARCHED = 50;
const MAX_PAGE = 500;

interface Paging {
  count: number;
  offset: number;
}

const paging = (params: Params, kind: string): Paging => ({
  count: params.int(`${kind}Count`, { min: 0, max: MAX_PAGE, fallback: 20 }),
  offset: params.int(`${kind}Offset`, { min: 0, max: 1_000_000, fallback: 0 }),
});

/** What a search answers from the catalog alone, the same for every user: kept per catalog version. */
interface Found {
  artists: ListedArtist[];
  albums: Payload[];
  tracks: Track[];
  covers: ReadonlySet<string>;
}

const answers = perDeps((deps) => new ReadCache<Found>(deps, ['catalog'], 5_000));
const whole = perDeps((deps) => new AnswerCache(deps.projections, { readModels: ['catalog', 'users', 'play-counts'], perUser: true }));

async function everything(deps: SubsonicDeps, pages: Record<'artist' | 'album' | 'song', Paging>): Promise<Found> {
  const [artists, albums, tracks] = await Promise.all([
    pages.artist.count > 0 ? listArtists(deps.sql, { limit: pages.artist.count, offset: pages.artist.offset }) : [],
    pages.album.count > 0 ? listAlbums(deps.sql, { order: 'name', limit: pages.album.count, offset: pages.album.offset }) : [],
    pages.song.count > 0 ? listTracks(deps.sql, { limit: pages.song.count, offset: pages.song.offset }) : [],
  ]);
  return { artists, albums: albums.map((a) => album(a)), tracks, covers: await coversOf(deps, tracks) };
}

async function matching(deps: SubsonicDeps, query: string, pages: Record<'artist' | 'album' | 'song', Paging>): Promise<Found> {
  const wanted = (p: Paging) => (p.count > 0 && p.offset < MAX_SEARCHED ? Math.min(MAX_SEARCHED, p.offset + p.count) : 0);
  const types: SearchType[] = [];
  if (wanted(pages.artist) > 0) types.push('artist');
  if (wanted(pages.album) > 0) types.push('album');
  if (wanted(pages.song) > 0) types.push('track');
  const limit = Math.max(wanted(pages.artist), wanted(pages.album), wanted(pages.song), 1);
  const found = types.length > 0 ? await search(deps.sql, query, { types, limit }) : { artists: [], albums: [], tracks: [] };
  const page = <T>(items: readonly T[], p: Paging) => items.slice(p.offset, p.offset + p.count);
  const artistIds = page(found.artists, pages.artist).map((a) => a.id);
  const albumIds = page(found.albums, pages.album).map((a) => a.id);
  const trackIds = page(found.tracks, pages.song).map((t) => t.id);
  const [artistMap, albums, trackMap] = await Promise.all([
    artistsByIds(deps.sql, artistIds),
    albumIds.length > 0 ? listAlbums(deps.sql, { order: 'ids', ids: albumIds, limit: albumIds.length }) : [],
    getTracks(deps.sql, trackIds),
  ]);
  const artists = artistIds.map((id) => artistMap.get(id)).filter((a) => a !== undefined);
  const tracks = trackIds.map((id) => trackMap.get(id)).filter((t): t is Track => t !== undefined);
  return { artists, albums: albums.map((a) => album(a)), tracks, covers: await coversOf(deps, tracks) };
}

/** The catalog's part (kept per catalog version), then what the user added: stars and play counts. */
async function searchResult(context: MethodContext, key: string, empty: boolean, query: string, pages: Record<'artist' | 'album' | 'song', Paging>): Promise<Payload> {
  const { deps, userId } = context;
  const found = await answers(deps).get(key, () => (empty ? everything(deps, pages) : matching(deps, query, pages)));
  const [artist, song] = await Promise.all([artistsFor(deps, userId, found.artists), songsFor(deps, userId, found.tracks, found.covers)]);
  return { artist, album: found.albums, song };
}

export const searchMethods: Record<string, Method> = {
  search3: {
    async run(context) {
      const query = (context.params.string('query') ?? '').trim();
      const pages = { artist: paging(context.params, 'artist'), album: paging(context.params, 'album'), song: paging(context.params, 'song') };
      const empty = query.replace(/["*]/g, '').trim() === '';
      const key = JSON.stringify([empty ? '' : query, pages.artist, pages.album, pages.song]);
      return whole(context.deps).answer(context, key, async () => ({ payload: { searchResult3: await searchResult(context, key, empty, query, pages) }, keep: true }));
    },
  },
};
