/**
 * Lists: getAlbumList2 (every type), getRandomSongs, getSongsByGenre, getStarred2, getNowPlaying,
 * getTopSongs, getSimilarSongs2. Lists that depend on listening come from the play read models
 * (the user's play counts and recent plays, the all-time chart).
 */
import { topTracks } from '../../projections/cache/charts.js';
import { playCounts, userTopTracks } from '../../projections/cache/play-counts.js';
import { recentPlays } from '../../projections/cache/recent-plays.js';
import { artistByName, artistsByIds, listAlbums, listTracks, tracksOfArtists, type AlbumListing } from '../../projections/sql/catalog-browse.js';
import { getTrack, getTracks, type Track } from '../../projections/sql/catalog-queries.js';
import { followedArtists, likedAlbums, likedTracks } from '../../projections/sql/follows.js';
import { getUser } from '../../projections/sql/users.js';
import { AnswerCache } from '../answers.js';
import { perDeps, type Method, type MethodContext, type MethodResult } from '../context.js';
import type { Payload } from '../envelope.js';
import { SubsonicError, missing, notFound } from '../errors.js';
import { album } from '../mapping.js';
import { artistsFor, songsFor } from './annotate.js';
import { subsonicName } from './system.js';

export const ALBUM_LIST_TYPES = [
  'random',
  'newest',
  'highest',
  'frequent',
  'recent',
  'alphabeticalByName',
  'alphabeticalByArtist',
  'starred',
  'byYear',
  'byGenre',
] as const;
type AlbumListType = (typeof ALBUM_LIST_TYPES)[number];

const YEARS = { min: 0, max: 9999 };
/** Plays looked at for the lists made from listening (the read models keep the top 50). */
const PLAYS_LOOKED_AT = 50;

/** Albums of `tracks` in the order they first appear. */
function albumIdsOf(trackIds: readonly string[], tracks: ReadonlyMap<string, Track>): string[] {
  return [...new Set(trackIds.map((id) => tracks.get(id)?.albumId).filter((id): id is string => id !== undefined))];
}

async function albumsFromTracks(context: MethodContext, trackIds: readonly string[], size: number, offset: number): Promise<Payload[]> {
  const tracks = await getTracks(context.deps.sql, trackIds);
  const ids = albumIdsOf(trackIds, tracks).slice(offset, offset + size);
  if (ids.length === 0) return [];
  return (await listAlbums(context.deps.sql, { order: 'ids', ids, limit: ids.length })).map((a) => album(a));
}

/** Lists made from the catalog alone are the same for every user: kept whole per catalog version. */
const catalogLists = perDeps((deps) => new AnswerCache(deps.projections, { readModels: ['catalog'], perUser: false }));

/** The catalog listing of an album list type; undefined for the types made from listening (and random). */
function catalogListing(params: MethodContext['params'], type: AlbumListType, page: { limit: number; offset: number }): AlbumListing | undefined {
  switch (type) {
    case 'newest':
      return { order: 'newest', ...page };
    case 'alphabeticalByName':
      return { order: 'name', ...page };
    case 'alphabeticalByArtist':
      return { order: 'artist', ...page };
    case 'byYear': {
      const fromYear = params.int('fromYear', YEARS);
      const toYear = params.int('toYear', YEARS);
      if (fromYear === undefined) throw missing('fromYear');
      if (toYear === undefined) throw missing('toYear');
      return { order: 'oldest', fromYear, toYear, ...page };
    }
    case 'byGenre':
      return { order: 'name', genre: params.required('genre'), ...page };
    default:
      return undefined;
  }
}

async function albumList(context: MethodContext): Promise<MethodResult> {
  const { deps, params } = context;
  const type = params.required('type');
  if (!(ALBUM_LIST_TYPES as readonly string[]).includes(type)) {
    throw new SubsonicError(0, `type must be one of ${ALBUM_LIST_TYPES.join(', ')}`);
  }
  const size = params.int('size', { min: 1, max: 500, fallback: 10 });
  const offset = params.int('offset', { min: 0, max: 100_000, fallback: 0 });
  const sql = deps.sql;
  const answer = (album: Payload[]) => ({ albumList2: { album } });
  const listing = catalogListing(params, type as AlbumListType, { limit: size, offset });
  if (listing) {
    return catalogLists(deps).answer(context, JSON.stringify(listing), async () => ({ payload: answer((await listAlbums(sql, listing)).map((a) => album(a))), keep: true }));
  }
  return answer(await listenedAlbums(context, type as AlbumListType, size, offset));
}

/** The album lists made from listening (and the random one), built for each call. */
async function listenedAlbums(context: MethodContext, type: AlbumListType, size: number, offset: number): Promise<Payload[]> {
  const { deps, userId } = context;
  const sql = deps.sql;
  switch (type) {
    case 'random':
      return (await listAlbums(sql, { order: 'random', limit: size })).map((a) => album(a));
    case 'frequent': {
      const top = await userTopTracks(deps.cache, deps.projections.cacheKeys('play-counts'), userId, PLAYS_LOOKED_AT);
      return albumsFromTracks(context, top.map((t) => t.trackId), size, offset);
    }
    case 'recent': {
      const recent = await recentPlays(deps.cache, deps.projections.cacheKeys('recent-plays'), userId, PLAYS_LOOKED_AT);
      return albumsFromTracks(context, recent.map((p) => p.trackId), size, offset);
    }
    case 'highest': {
      // Chorus has no ratings: the albums all listeners played most.
      const top = await topTracks(deps.cache, deps.projections.cacheKeys('charts'), { window: 'all', limit: PLAYS_LOOKED_AT, now: deps.now() });
      return albumsFromTracks(context, top.map((t) => t.trackId), size, offset);
    }
    case 'starred':
      return starredAlbums(context, size, offset);
    default:
      throw new SubsonicError(0, `type ${type} is a catalog list`);
  }
}

/** The albums the user starred (AlbumLiked), most recently starred first, each with when. */
async function starredAlbums(context: MethodContext, size: number, offset: number): Promise<Payload[]> {
  const liked = await likedAlbums(context.deps.sql, context.userId, { limit: size, offset });
  if (liked.items.length === 0) return [];
  const when = new Map(liked.items.map((l) => [l.albumId, l.likedAt]));
  const albums = await listAlbums(context.deps.sql, { order: 'ids', ids: [...when.keys()], limit: when.size });
  return albums.map((a) => album(a, { starred: when.get(a.id) }));
}

async function tracksInOrder(context: MethodContext, ids: readonly string[]): Promise<Track[]> {
  const found = await getTracks(context.deps.sql, ids);
  return ids.map((id) => found.get(id)).filter((t): t is Track => t !== undefined);
}

export const listMethods: Record<string, Method> = {
  getAlbumList2: { run: albumList },
  getRandomSongs: {
    async run({ deps, params, userId }) {
      const tracks = await listTracks(deps.sql, {
        random: true,
        limit: params.int('size', { min: 1, max: 500, fallback: 10 }),
        genre: params.string('genre') || undefined,
        fromYear: params.int('fromYear', YEARS),
        toYear: params.int('toYear', YEARS),
      });
      return { randomSongs: { song: await songsFor(deps, userId, tracks) } };
    },
  },
  getSongsByGenre: {
    async run({ deps, params, userId }) {
      const tracks = await listTracks(deps.sql, {
        genre: params.required('genre'),
        limit: params.int('count', { min: 1, max: 500, fallback: 10 }),
        offset: params.int('offset', { min: 0, max: 100_000, fallback: 0 }),
      });
      return { songsByGenre: { song: await songsFor(deps, userId, tracks) } };
    },
  },
  getStarred2: {
    async run(context) {
      const { deps, userId } = context;
      const liked = await likedTracks(deps.sql, userId, { limit: 50 });
      const artists = await followedArtists(deps.sql, userId, { limit: 50 });
      const songs = await tracksInOrder(context, liked.items.map((l) => l.trackId));
      const byId = await artistsByIds(deps.sql, artists.items.map((a) => a.artistId));
      const listed = artists.items.map((a) => byId.get(a.artistId)).filter((a) => a !== undefined);
      return { starred2: { artist: await artistsFor(deps, userId, listed), album: await starredAlbums(context, 50, 0), song: await songsFor(deps, userId, songs) } };
    },
  },
  getNowPlaying: {
    async run(context) {
      const { deps, nowPlaying, userId } = context;
      const now = deps.now().getTime();
      const entries = nowPlaying.list(now);
      const tracks = await getTracks(deps.sql, entries.map((e) => e.trackId));
      const out: Payload[] = [];
      for (const entry of entries) {
        const track = tracks.get(entry.trackId);
        const user = await getUser(deps.sql, entry.userId);
        if (!track || !user) continue;
        const [song] = await songsFor(deps, userId, [track]);
        out.push({ ...song, username: subsonicName(user), minutesAgo: Math.floor((now - entry.startedAt) / 60_000), playerId: 0, playerName: entry.client });
      }
      return { nowPlaying: { entry: out } };
    },
  },
  getTopSongs: {
    async run({ deps, params, userId }) {
      const name = params.required('artist');
      const count = params.int('count', { min: 1, max: 500, fallback: 50 });
      const artistId = await artistByName(deps.sql, name);
      if (!artistId) return { topSongs: { song: [] } };
      const tracks = await tracksOfArtists(deps.sql, [artistId], 1_000);
      const plays = await playCounts(deps.cache, deps.projections.cacheKeys('play-counts'), tracks.map((t) => t.id)).catch(() => tracks.map(() => 0));
      const ranked = tracks.map((t, i) => ({ t, plays: plays[i] ?? 0 })).sort((a, b) => b.plays - a.plays).slice(0, count);
      return { topSongs: { song: await songsFor(deps, userId, ranked.map((r) => r.t)) } };
    },
  },
  getSimilarSongs2: {
    async run({ deps, params, userId }) {
      const id = params.required('id');
      const count = params.int('count', { min: 1, max: 500, fallback: 50 });
      // An artist id (the spec), or a song's, whose artist is taken.
      const artistId = (await artistsByIds(deps.sql, [id])).has(id) ? id : (await getTrack(deps.sql, id))?.artistId;
      if (!artistId) throw notFound(`artist ${id}`);
      const own = await tracksOfArtists(deps.sql, [artistId], 200);
      const genres = [...new Set(own.flatMap((t) => t.genres))];
      const sameGenre = genres.length > 0 ? await listTracks(deps.sql, { random: true, genre: genres[0], limit: count }) : [];
      const pool = [...sameGenre.filter((t) => t.artistId !== artistId), ...own];
      return { similarSongs2: { song: await songsFor(deps, userId, pool.slice(0, count)) } };
    },
  },
};
