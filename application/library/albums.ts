/**
 * From the files of one album, read in this scan, to the catalog commands that record it: the
 * artist (when the catalog does not have them yet) and the album as the files say it is now.
 * Files not changed since the last scan are not read again; what they contributed stays as it is
 * (a revision names the tracks it knows and leaves the others), and so do the stored date and
 * cover when the changed files say nothing of them.
 */
import { dirname } from 'node:path';
import type { CatalogCommand } from '../../domain/catalog/decider.js';
import type { AlbumCover } from '../../domain/catalog/events.js';
import type { AudioProbe } from '../../gateways/media/ffmpeg/probe.js';
import type { MediaStore } from '../../gateways/media/port.js';
import type { FileTags } from '../../gateways/media/tags.js';
import type { CatalogView } from './catalog-view.js';
import { folderImage, storeCover } from './cover.js';
import type { LibraryEntry } from './identity.js';
import type { FoundFile } from './walk.js';

export interface ReadFile {
  file: FoundFile;
  probe: AudioProbe;
  tags: FileTags;
  entry: LibraryEntry;
}

/** Disc, then track number, then path. */
export const byPlace = (a: ReadFile, b: ReadFile) =>
  a.entry.track.discNumber - b.entry.track.discNumber || a.entry.track.trackNumber - b.entry.track.trackNumber || (a.file.path < b.file.path ? -1 : 1);

export function addArtistCommand(first: ReadFile, at: string): CatalogCommand {
  const { id, name, musicbrainzId } = first.entry.artist;
  return { type: 'AddArtist', artistId: id, name, at, ...(musicbrainzId ? { musicbrainzId } : {}) };
}

/** The cover the files offer: an embedded picture (first file first), else an image in their folder. */
async function coverOf(media: MediaStore, albumId: string, files: readonly ReadFile[]): Promise<AlbumCover | undefined> {
  for (const f of files) {
    if (!f.tags.picture) continue;
    const cover = await storeCover(media, albumId, f.tags.picture.data);
    if (cover) return cover;
  }
  for (const folder of new Set(files.map((f) => dirname(f.file.path)))) {
    const image = await folderImage(folder);
    const cover = image && (await storeCover(media, albumId, image));
    if (cover) return cover;
  }
  return undefined;
}

export async function reviseAlbumCommand(media: MediaStore, view: CatalogView, unsorted: readonly ReadFile[]): Promise<CatalogCommand> {
  const files = [...unsorted].sort(byPlace);
  const { artist, album } = files[0]!.entry;
  const state = view.state(artist.id);
  const stored = state.status === 'added' ? state.albums.get(album.id) : undefined;
  const releaseDate = files.find((f) => f.entry.album.releaseDate !== '')?.entry.album.releaseDate ?? stored?.releaseDate ?? '';
  const cover = (await coverOf(media, album.id, files)) ?? stored?.cover;
  return {
    type: 'ReviseAlbum',
    artistId: artist.id,
    albumId: album.id,
    title: album.title,
    releaseDate,
    genres: [],
    ...(album.musicbrainzId ? { musicbrainzId: album.musicbrainzId } : {}),
    ...(cover ? { cover } : {}),
    tracks: files.map(({ entry: { track }, probe }) => ({
      trackId: track.id,
      title: track.title,
      durationMs: probe.durationMs,
      trackNumber: track.trackNumber,
      discNumber: track.discNumber,
      genres: track.genres,
      ...(track.credit ? { artist: track.credit } : {}),
      ...(track.musicbrainzId ? { musicbrainzId: track.musicbrainzId } : {}),
    })),
  };
}
