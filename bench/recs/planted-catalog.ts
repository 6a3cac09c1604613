/**
 * The planted catalogue: tracks grouped into taste clusters, each cluster made of artists (with
 * albums) in one or two genres, and a Zipf popularity over each cluster's tracks. Genres are
 * shared by clusters (there are more clusters than genres), so a genre is a hint, not the answer.
 * A share of albums is released during the history (new releases); the rest before it.
 */
import type { AlbumReleased, ArtistAdded } from '../../domain/catalog/events.js';
import type { Random } from '../projections/random.js';
import type { GeneratorConfig } from './config.js';

const DAY_MS = 86_400_000;

export interface PlantedCatalog {
  tracks: number;
  clusters: number;
  trackCluster: Int32Array;
  trackGenre: Int32Array;
  trackArtist: Int32Array;
  trackAlbum: Int32Array;
  trackDurationMs: Int32Array;
  /** Unix ms of the album's release (midnight UTC). */
  trackReleaseMs: Float64Array;
  /** P(track | its cluster), by the Zipf rank within the cluster (released or not). */
  trackProbability: Float64Array;
  /** Each cluster's tracks by popularity rank, and the cumulative Zipf weights. */
  clusterTracks: Int32Array[];
  clusterCumulative: Float64Array[];
  /** Each cluster's tracks released during the history, by release time. */
  clusterNewTracks: Int32Array[];
  artistTracks: Int32Array[];
  artistCluster: Int32Array;
  albumArtist: Int32Array;
  albumReleaseMs: Float64Array;
  genreNames: string[];
}

export const trackId = (t: number) => `t${t}`;
export const artistId = (a: number) => `a${a}`;
export const albumId = (a: number) => `al${a}`;
export const userId = (u: number) => `u${u}`;

export function plantCatalog(config: GeneratorConfig, random: Random): PlantedCatalog {
  const { tracks, clusters, genres } = config;
  const genreNames = Array.from({ length: genres }, (_, g) => `genre-${g}`);
  const clusterGenres = Array.from({ length: clusters }, (_, c) => [c % genres, (c * 7 + 3) % genres]);
  const trackCluster = new Int32Array(tracks);
  const trackGenre = new Int32Array(tracks);
  const trackArtist = new Int32Array(tracks);
  const trackAlbum = new Int32Array(tracks);
  const trackDurationMs = new Int32Array(tracks);
  const trackReleaseMs = new Float64Array(tracks);
  const artistTracks: Int32Array[] = [];
  const artistCluster: number[] = [];
  const albumArtist: number[] = [];
  const albumReleaseMs: number[] = [];
  const endMs = config.startMs + config.days * DAY_MS;
  let next = 0;
  // Artists of 4..16 tracks, in albums of up to 12; each artist in one cluster, round robin.
  while (next < tracks) {
    const artist = artistTracks.length;
    const cluster = artist % clusters;
    const count = Math.min(random.int(4, 16), tracks - next);
    const own = new Int32Array(count);
    const [primary, secondary] = clusterGenres[cluster]!;
    const genre = random.chance(0.75) ? primary! : secondary!;
    let inAlbum = 12;
    let album = -1;
    for (let i = 0; i < count; i++) {
      if (inAlbum >= 12 || (i > 0 && random.chance(0.1))) {
        album = albumArtist.length;
        albumArtist.push(artist);
        const isNew = random.chance(config.newReleaseShare);
        const day = isNew ? random.int(0, config.days - 1) : -random.int(1, 3_000);
        albumReleaseMs.push(config.startMs + day * DAY_MS);
        inAlbum = 0;
      }
      const t = next++;
      own[i] = t;
      trackCluster[t] = cluster;
      trackGenre[t] = genre;
      trackArtist[t] = artist;
      trackAlbum[t] = album;
      trackDurationMs[t] = random.int(120_000, 330_000);
      trackReleaseMs[t] = albumReleaseMs[album]!;
      inAlbum += 1;
    }
    artistTracks.push(own);
    artistCluster.push(cluster);
  }
  const members: number[][] = Array.from({ length: clusters }, () => []);
  for (let t = 0; t < tracks; t++) members[trackCluster[t]!]!.push(t);
  const trackProbability = new Float64Array(tracks);
  const clusterTracks: Int32Array[] = [];
  const clusterCumulative: Float64Array[] = [];
  const clusterNewTracks: Int32Array[] = [];
  for (const list of members) {
    shuffle(list, random);
    const cumulative = new Float64Array(list.length);
    let total = 0;
    list.forEach((_, rank) => {
      total += 1 / (rank + 1) ** config.zipfExponent;
      cumulative[rank] = total;
    });
    list.forEach((t, rank) => (trackProbability[t] = 1 / (rank + 1) ** config.zipfExponent / total));
    clusterTracks.push(Int32Array.from(list));
    clusterCumulative.push(cumulative);
    const fresh = list.filter((t) => trackReleaseMs[t]! >= config.startMs && trackReleaseMs[t]! < endMs);
    fresh.sort((a, b) => trackReleaseMs[a]! - trackReleaseMs[b]! || a - b);
    clusterNewTracks.push(Int32Array.from(fresh));
  }
  return {
    tracks,
    clusters,
    trackCluster,
    trackGenre,
    trackArtist,
    trackAlbum,
    trackDurationMs,
    trackReleaseMs,
    trackProbability,
    clusterTracks,
    clusterCumulative,
    clusterNewTracks,
    artistTracks,
    artistCluster: Int32Array.from(artistCluster),
    albumArtist: Int32Array.from(albumArtist),
    albumReleaseMs: Float64Array.from(albumReleaseMs),
    genreNames,
  };
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** The catalogue as the events an import would record: artists, then their albums. */
export function* catalogEvents(catalog: PlantedCatalog): Generator<{ type: 'ArtistAdded'; data: ArtistAdded['data'] } | { type: 'AlbumReleased'; data: AlbumReleased['data'] }> {
  const albumsOf: number[][] = catalog.artistTracks.map(() => []);
  catalog.albumArtist.forEach((artist, album) => albumsOf[artist]!.push(album));
  const albumTracks: number[][] = Array.from({ length: catalog.albumArtist.length }, () => []);
  for (let t = 0; t < catalog.tracks; t++) albumTracks[catalog.trackAlbum[t]!]!.push(t);
  for (let artist = 0; artist < catalog.artistTracks.length; artist++) {
    const own = catalog.artistTracks[artist]!;
    const genre = catalog.genreNames[catalog.trackGenre[own[0]!]!]!;
    yield { type: 'ArtistAdded', data: { artistId: artistId(artist), name: `Artist ${artist}`, genres: [genre], addedAt: '2020-01-01T00:00:00.000Z' } };
    for (const album of albumsOf[artist]!) {
      const tracks = albumTracks[album]!;
      yield {
        type: 'AlbumReleased',
        data: {
          albumId: albumId(album),
          artistId: artistId(artist),
          title: `Album ${album}`,
          releaseDate: new Date(catalog.albumReleaseMs[album]!).toISOString().slice(0, 10),
          genres: [catalog.genreNames[catalog.trackGenre[tracks[0]!]!]!],
          tracks: tracks.map((t, i) => ({
            trackId: trackId(t),
            title: `Track ${t}`,
            durationMs: catalog.trackDurationMs[t]!,
            trackNumber: i + 1,
            genres: [catalog.genreNames[catalog.trackGenre[t]!]!],
          })),
        },
      };
    }
  }
}
