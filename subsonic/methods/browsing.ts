/** Browsing by ID3 tags: getIndexes, getArtists, getArtist, getAlbum, getSong, getGenres. */
import { artistsLastAdded, genreCounts, getListedAlbum, listAlbums, listArtists, listTracks, artistsByIds } from '../../projections/sql/catalog-browse.js';
import { getTrack } from '../../projections/sql/catalog-queries.js';
import type { Method, MethodContext } from '../context.js';
import type { Payload } from '../envelope.js';
import { notFound } from '../errors.js';
import { album } from '../mapping.js';
import { albumsFor, artistsFor, songsFor } from './annotate.js';

const IGNORED_ARTICLES = ['The', 'El', 'La', 'Los', 'Las', 'Le', 'Les'];
/** An album has at most this many tracks listed. */
const MAX_ALBUM_TRACKS = 1_000;

/** The letter an artist is filed under: its first letter without a leading article, else `#`. */
export function indexLetter(name: string): string {
  let sortable = name.trim();
  for (const article of IGNORED_ARTICLES) {
    if (sortable.toLowerCase().startsWith(`${article.toLowerCase()} `)) {
      sortable = sortable.slice(article.length + 1).trimStart();
      break;
    }
  }
  const first = sortable.normalize('NFD').charAt(0).toUpperCase();
  return /\p{L}/u.test(first) ? first : '#';
}

async function artistIndex({ deps, userId }: MethodContext): Promise<Payload[]> {
  const artists = await artistsFor(deps, userId, await listArtists(deps.sql));
  const byLetter = new Map<string, Payload[]>();
  for (const a of artists) {
    const letter = indexLetter(String(a.name));
    byLetter.set(letter, [...(byLetter.get(letter) ?? []), a]);
  }
  return [...byLetter.keys()]
    .sort((x, y) => (x === '#' ? 1 : y === '#' ? -1 : x.localeCompare(y)))
    .map((name) => ({ name, artist: byLetter.get(name)! }));
}

export const browsingMethods: Record<string, Method> = {
  getArtists: {
    run: async (context) => ({ artists: { ignoredArticles: IGNORED_ARTICLES.join(' '), index: await artistIndex(context) } }),
  },
  getIndexes: {
    async run(context) {
      const index = await artistIndex(context);
      const lastModified = await artistsLastAdded(context.deps.sql);
      return { indexes: { ignoredArticles: IGNORED_ARTICLES.join(' '), lastModified, index } };
    },
  },
  getArtist: {
    async run({ deps, params, userId }) {
      const id = params.required('id');
      const found = (await artistsByIds(deps.sql, [id])).get(id);
      if (!found) throw notFound(`artist ${id}`);
      const [artist] = await artistsFor(deps, userId, [found]);
      const albums = await listAlbums(deps.sql, { order: 'newest', artistId: id, limit: 500 });
      return { artist: { ...artist, album: albums.map((a) => album(a)) } };
    },
  },
  getAlbum: {
    async run({ deps, params, userId }) {
      const id = params.required('id');
      const listed = await getListedAlbum(deps.sql, id);
      if (!listed) throw notFound(`album ${id}`);
      const tracks = await listTracks(deps.sql, { albumId: id, limit: MAX_ALBUM_TRACKS });
      const [shown] = await albumsFor(deps, userId, [listed]);
      return { album: { ...shown, song: await songsFor(deps, userId, tracks) } };
    },
  },
  getSong: {
    async run({ deps, params, userId }) {
      const id = params.required('id');
      const track = await getTrack(deps.sql, id);
      if (!track) throw notFound(`song ${id}`);
      const [song] = await songsFor(deps, userId, [track]);
      return { song: song! };
    },
  },
  getGenres: {
    async run({ deps }) {
      const genres = await genreCounts(deps.sql);
      return { genres: { genre: genres.map((g) => ({ value: g.genre, songCount: g.songCount, albumCount: g.albumCount })) } };
    },
  },
};
