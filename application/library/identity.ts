/**
 * Where a scanned file belongs in the catalog, from its tags alone: artist (the album artist),
 * album and track, with ids that stay the same from one scan to the next — MusicBrainz ids when
 * the file has them, else derived from the normalised names (case and spacing do not matter).
 *
 * - artist `ar-…`: the album artist's MusicBrainz id, else their name;
 * - album `al-…`: the release's MusicBrainz id, else the artist's id and the album title;
 * - track `tr-…`: the album's id with the release track's MusicBrainz id, else disc and track
 *   number, else the title. (The scanner keeps a known file's track id across retags.)
 */
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { FileTags } from '../../gateways/media/tags.js';

export const UNKNOWN_ARTIST = 'Unknown Artist';
export const UNKNOWN_ALBUM = 'Unknown Album';
const MAX_NAME = 200;
const MAX_GENRES = 20;

export interface LibraryEntry {
  artist: { id: string; name: string; musicbrainzId?: string };
  album: { id: string; title: string; releaseDate: string; musicbrainzId?: string };
  track: {
    id: string;
    title: string;
    trackNumber: number;
    discNumber: number;
    /** The track's artist when it is not the album artist. */
    credit?: string;
    genres: string[];
    musicbrainzId?: string;
  };
}

/** Lower case, Unicode-normalised (NFKC), spaces collapsed: "The  Beatles" and "the beatles" are one name. */
export function normaliseName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
export const artistIdFor = (key: string) => `ar-${digest(key)}`;

const clip = (name: string) => (name.length > MAX_NAME ? name.slice(0, MAX_NAME).trim() : name);

/** "03 - Song.flac" -> 3; "Song.flac" -> undefined. */
function numberFromFileName(path: string): number | undefined {
  const match = /^(\d{1,3})(?!\d)/.exec(basename(path));
  const n = match ? Number(match[1]) : 0;
  return n > 0 ? n : undefined;
}

/** "03 - Song.flac" -> "Song"; a name that is only a number stays. */
function titleFromFileName(path: string): string {
  const stem = basename(path, extname(path));
  return stem.replace(/^\d{1,3}\s*[-._)]?\s+/, '').trim() || stem;
}

export function identify(tags: FileTags, path: string): LibraryEntry {
  const artistName = clip(tags.albumArtist ?? tags.artist ?? UNKNOWN_ARTIST);
  const artistMbid = tags.albumArtist ? tags.musicbrainz.albumArtistId : (tags.musicbrainz.albumArtistId ?? tags.musicbrainz.artistId);
  const artistId = artistIdFor(artistMbid ? `mb:${artistMbid}` : `name:${normaliseName(artistName)}`);

  const albumTitle = clip(tags.album ?? UNKNOWN_ALBUM);
  const releaseId = tags.musicbrainz.releaseId;
  const albumId = `al-${digest(releaseId ? `mb:${releaseId}` : `${artistId}|${normaliseName(albumTitle)}`)}`;

  const title = clip(tags.title ?? titleFromFileName(path));
  const tagged = tags.trackNumber;
  const trackNumber = tagged ?? numberFromFileName(path) ?? 1;
  const discNumber = tags.discNumber ?? 1;
  const key = tags.musicbrainz.releaseTrackId
    ? `mb:${tags.musicbrainz.releaseTrackId}`
    : tagged !== undefined
      ? `number:${discNumber}/${tagged}`
      : `title:${normaliseName(title)}`;

  const entry: LibraryEntry = {
    artist: { id: artistId, name: artistName },
    album: { id: albumId, title: albumTitle, releaseDate: tags.date ?? '' },
    track: {
      id: `tr-${digest(`${albumId}|${key}`)}`,
      title,
      trackNumber,
      discNumber,
      genres: [...new Set(tags.genres.map((g) => g.toLowerCase()))].slice(0, MAX_GENRES),
    },
  };
  if (artistMbid) entry.artist.musicbrainzId = artistMbid;
  if (releaseId) entry.album.musicbrainzId = releaseId;
  if (tags.musicbrainz.recordingId) entry.track.musicbrainzId = tags.musicbrainz.recordingId;
  if (tags.artist && normaliseName(tags.artist) !== normaliseName(artistName)) entry.track.credit = clip(tags.artist);
  return entry;
}
