/**
 * What the recommenders need to know of the catalog, in memory: each track's artist, album,
 * genres and release day; each artist's tracks and genres; each genre's tracks. A track's genres
 * are its own, its album's and (when both are empty) its artist's, as the catalog read model has
 * them. Fed by ArtistAdded and AlbumReleased.
 */
import type { AlbumReleased, ArtistAdded } from '../../domain/catalog/events.js';
import { Interner } from './interner.js';

const DAY_MS = 86_400_000;

export interface TrackInfo {
  artist: number;
  album: number;
  genres: readonly number[];
  /** Days since the epoch of the album's release date. */
  releaseDay: number;
}

export interface AlbumInfo {
  artist: number;
  releaseDay: number;
  genres: readonly number[];
  tracks: readonly number[];
}

/** Days since the Unix epoch of a release date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`). */
export function releaseDayOf(releaseDate: string): number {
  const ms = Date.parse(releaseDate);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / DAY_MS);
}

export class CatalogIndex {
  readonly tracks: Interner;
  readonly artists = new Interner();
  readonly albums = new Interner();
  readonly genres = new Interner();
  private readonly trackInfo: Array<TrackInfo | undefined> = [];
  private readonly albumInfo: Array<AlbumInfo | undefined> = [];
  private readonly artistGenres: Array<readonly number[] | undefined> = [];
  private readonly artistTracks: number[][] = [];
  private readonly genreTracks: number[][] = [];
  private readonly genreAlbums: number[][] = [];

  /** `tracks` is shared with the listening model, so a track has one id everywhere. */
  constructor(tracks: Interner) {
    this.tracks = tracks;
  }

  addArtist(data: ArtistAdded['data']): void {
    const artist = this.artists.intern(data.artistId);
    this.artistGenres[artist] ??= data.genres.map((g) => this.genres.intern(g));
  }

  releaseAlbum(data: AlbumReleased['data']): void {
    const artist = this.artists.intern(data.artistId);
    const album = this.albums.intern(data.albumId);
    if (this.albumInfo[album]) return;
    const releaseDay = releaseDayOf(data.releaseDate);
    const albumGenres = data.genres.map((g) => this.genres.intern(g));
    const tracks: number[] = [];
    const genresOfAlbum = new Set(albumGenres);
    for (const t of data.tracks) {
      const track = this.tracks.intern(t.trackId);
      if (this.trackInfo[track]) continue;
      let genres = [...new Set([...t.genres.map((g) => this.genres.intern(g)), ...albumGenres])];
      if (genres.length === 0) genres = [...(this.artistGenres[artist] ?? [])];
      genres.sort((a, b) => a - b);
      this.trackInfo[track] = { artist, album, genres, releaseDay };
      tracks.push(track);
      listAt(this.artistTracks, artist).push(track);
      for (const genre of genres) {
        listAt(this.genreTracks, genre).push(track);
        genresOfAlbum.add(genre);
      }
    }
    this.albumInfo[album] = { artist, releaseDay, genres: [...genresOfAlbum].sort((a, b) => a - b), tracks };
    for (const genre of genresOfAlbum) listAt(this.genreAlbums, genre).push(album);
  }

  track(track: number): TrackInfo | undefined {
    return this.trackInfo[track];
  }

  album(album: number): AlbumInfo | undefined {
    return this.albumInfo[album];
  }

  artistOf(track: number): number | undefined {
    return this.trackInfo[track]?.artist;
  }

  tracksOfArtist(artist: number): readonly number[] {
    return this.artistTracks[artist] ?? [];
  }

  genresOfArtist(artist: number): readonly number[] {
    return this.artistGenres[artist] ?? [];
  }

  tracksOfGenre(genre: number): readonly number[] {
    return this.genreTracks[genre] ?? [];
  }

  albumsOfGenre(genre: number): readonly number[] {
    return this.genreAlbums[genre] ?? [];
  }

  /** Tracks known to the catalog (some track ids may only have been seen in plays). */
  get trackCount(): number {
    let count = 0;
    for (const info of this.trackInfo) if (info) count += 1;
    return count;
  }
}

function listAt(lists: number[][], index: number): number[] {
  while (lists.length <= index) lists.push([]);
  return lists[index]!;
}
