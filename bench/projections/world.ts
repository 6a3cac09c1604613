/**
 * The world a history happens in: a catalog of artists, albums and tracks, a population of users
 * (who registers when), playlists as they are created, each with the state of its stream, and
 * the popularity laws that pick who does what: Zipf-popular tracks and artists, a few famous users
 * many follow, and users who listen a lot and many who listen a little.
 */
import type * as Y from 'yjs';
import type { CatalogState } from '../../domain/catalog/decider.js';
import type { ActivePlaylist, PlaylistState } from '../../domain/playlist/decider.js';
import type { ChangeTracker } from '../../domain/playlist/document.js';
import type { UserState } from '../../domain/user/decider.js';
import { createRandom, shuffled, zipf, type Random } from './random.js';

/** Per 1,000,000 events of history. */
const SIZES = { artists: 2_000, albums: 10_000, users: 20_000 };
/** Share of albums released during the history (the rest are imported at its start). */
const NEW_RELEASES = 0.1;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const ADJECTIVES = ['Blue', 'Silent', 'Electric', 'Golden', 'Broken', 'Velvet', 'Midnight', 'Neon', 'Wild', 'Crystal',
  'Lonely', 'Burning', 'Frozen', 'Hidden', 'Café', 'Naïve', 'Über', 'Bright', 'Paper', 'Señor'];
export const NOUNS = ['Horizon', 'River', 'Echo', 'Garden', 'Machine', 'Heart', 'Mirror', 'Storm', 'Parade', 'Dream', 'Signal',
  'Ocean', 'Shadow', 'Fire', 'Rhapsody', 'Highway', 'Canyon', 'Orchestra', 'Moon', 'Season'];
const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emma', 'Femi', 'Gus', 'Hana', 'Ivan', 'Jules', 'Kai', 'Lena', 'Mateo', 'Noor',
  'Olu', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Yuki'];
const GENRES = ['rock', 'pop', 'jazz', 'hip-hop', 'electronic', 'classical', 'folk', 'metal', 'soul', 'reggae', 'latin', 'country',
  'blues', 'punk', 'ambient', 'house', 'techno', 'indie', 'r&b', 'k-pop'];

export interface Track {
  id: string;
  album: Album;
  durationMs: number;
  number: number;
}
export interface Album {
  id: string;
  artist: Artist;
  title: string;
  releaseDate: string;
  genres: string[];
  releasedAt: number;
  tracks: Track[];
}
export interface Artist {
  id: string;
  name: string;
  genres: string[];
  albums: Album[];
  state: CatalogState;
}
export interface User {
  id: string;
  name: string;
  /** When they register (planned from the start). */
  registeredAt: number;
  devices: string[];
  state: UserState;
}
export interface Playlist {
  id: string;
  createdAt: number;
  state: PlaylistState;
  /** Its collaborative document (items, name, description), from the first edit on. */
  document?: { doc: Y.Doc; changes: ChangeTracker };
}

export interface World {
  random: Random;
  start: number;
  /** Nothing happens after this (the end of the history; no limit once live). */
  limit: number;
  /** Live commands take the store's clock, as they would in production. */
  live: boolean;
  artists: Artist[];
  albums: Album[];
  tracks: Track[];
  /** Everyone who registers during the history, in order of registration, then those who register live. */
  users: User[];
  /** Registered so far. */
  registered: User[];
  playlists: Playlist[];
  /** A popular track released by `at`. */
  popularTrack(at: number): Track | undefined;
  popularArtist(): Artist;
  /** A user registered by `at`, picked by how much they listen. */
  activeUser(at: number): User | undefined;
  /** A user registered by `at`, picked by how many follow them. */
  famousUser(at: number): User | undefined;
  anyUser(): User | undefined;
  /** A playlist not deleted that passes `test`. */
  activePlaylist(test: (playlist: ActivePlaylist) => boolean): (Playlist & { state: ActivePlaylist }) | undefined;
  newUser(registeredAt: number): User;
  newAlbum(artist: Artist, at: number, tracks: number): Album;
}

export const iso = (ms: number) => new Date(ms).toISOString();
/** A distinct, id-like hex label for a number (an odd multiplier is a bijection mod 2^32). */
export const label = (n: number) => (Math.imul(n + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
export const title = (random: Random) => `${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;

export function createWorld(options: { events: number; seed: number; endMs: number; days: number }): World {
  const random = createRandom(options.seed);
  const sized = (n: number, min: number) => Math.max(min, Math.round((n * options.events) / 1_000_000));
  const start = options.endMs - options.days * DAY;
  const between = (from: number, to: number) => from + random.next() * (to - from);

  const artists: Artist[] = Array.from({ length: sized(SIZES.artists, 10) }, (_, i) => ({
    id: `art_${label(i)}`,
    name: `The ${title(random)}s`,
    genres: pickGenres(random),
    albums: [],
    state: { status: 'none' },
  }));
  const albums: Album[] = [];
  const tracks: Track[] = [];
  const newAlbum = (artist: Artist, releasedAt: number, trackCount: number): Album => {
    const year = random.int(1965, new Date(start).getUTCFullYear());
    const album: Album = {
      id: `alb_${label(albums.length)}`,
      artist,
      title: title(random),
      releaseDate: `${year}-${pad(random.int(1, 12))}-${pad(random.int(1, 28))}`,
      genres: pickGenres(random),
      releasedAt,
      tracks: [],
    };
    for (let n = 1; n <= trackCount; n += 1) {
      const track: Track = { id: `trk_${label(tracks.length)}`, album, durationMs: random.int(90_000, 360_000), number: n };
      album.tracks.push(track);
      tracks.push(track);
    }
    artist.albums.push(album);
    albums.push(album);
    return album;
  };
  const albumArtist = zipf(random, artists.length, 0.5);
  for (let i = 0; i < sized(SIZES.albums, 20); i += 1) {
    // Every artist has an album; the others go to artists by a power law. 15% are singles or EPs.
    const artist = i < artists.length ? artists[i]! : artists[albumArtist()]!;
    const releasedAt = random.chance(NEW_RELEASES) ? between(start + DAY, options.endMs) : start;
    newAlbum(artist, releasedAt, random.chance(0.15) ? random.int(1, 4) : random.int(8, 14));
  }

  const users: User[] = [];
  const newUser = (registeredAt: number): User => {
    const n = users.length;
    const user: User = {
      id: `usr_${label(n)}`,
      name: `${random.pick(FIRST_NAMES)} ${String.fromCharCode(65 + (n % 26))}.`,
      registeredAt,
      devices: Array.from({ length: 1 + (n % 3) }, (_, d) => `dev_${label(n)}.${d}`),
      state: { status: 'unregistered' },
    };
    users.push(user);
    return user;
  };
  const userCount = sized(SIZES.users, 20);
  // 40% on the first day (the launch), the rest over the following days.
  Array.from({ length: userCount }, (_, i) => (i < userCount * 0.4 ? between(start + HOUR, start + DAY) : between(start + DAY, options.endMs)))
    .sort((a, b) => a - b)
    .forEach(newUser);

  const trackByRank = shuffled(random, tracks.length);
  const trackRank = zipf(random, tracks.length, 0.9);
  const artistByRank = shuffled(random, artists.length);
  const artistRank = zipf(random, artists.length, 1);
  const userByActivity = shuffled(random, userCount);
  // Flatter than fame: the busiest user plays ~100 tracks a day, the median one a few a week.
  const activityRank = zipf(random, userCount, 0.5);
  const userByFame = shuffled(random, userCount);
  const fameRank = zipf(random, userCount, 1.1);
  const registeredBy = (at: number, pick: () => User) => retry(() => {
    const user = pick();
    return user.registeredAt <= at && user.state.status === 'registered' ? user : undefined;
  });

  const world: World = {
    random,
    start,
    limit: options.endMs,
    live: false,
    artists,
    albums,
    tracks,
    users,
    registered: [],
    playlists: [],
    popularTrack: (at) => retry(() => {
      const track = tracks[trackByRank[trackRank()]!]!;
      return track.album.releasedAt <= at ? track : undefined;
    }),
    popularArtist: () => artists[artistByRank[artistRank()]!]!,
    activeUser: (at) => registeredBy(at, () => users[userByActivity[activityRank()]!]!),
    famousUser: (at) => registeredBy(at, () => users[userByFame[fameRank()]!]!),
    anyUser: () => (world.registered.length === 0 ? undefined : random.pick(world.registered)),
    activePlaylist: (test) => retry(() => {
      const playlist = world.playlists.length === 0 ? undefined : random.pick(world.playlists);
      return playlist?.state.status === 'active' && test(playlist.state) ? (playlist as Playlist & { state: ActivePlaylist }) : undefined;
    }),
    newUser,
    newAlbum,
  };
  return world;
}

/** A few tries at finding someone or something that fits. */
function retry<T>(find: () => T | undefined): T | undefined {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const found = find();
    if (found !== undefined) return found;
  }
  return undefined;
}

function pickGenres(random: Random): string[] {
  return [...new Set(Array.from({ length: random.int(1, 3) }, () => random.pick(GENRES)))];
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
