/**
 * An album's cover for the catalog: the picture embedded in a file (the front cover, else the
 * first), else an image beside the files (cover, folder, front or album .jpg/.jpeg/.png/.webp).
 * Kept in the media store under `covers/<albumId>/<hash>.<ext>`, once per distinct image.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlbumCover } from '../../domain/catalog/events.js';
import { bytesChecksum } from '../../gateways/media/checksum.js';
import { imageInfo } from '../../gateways/media/images.js';
import type { MediaStore } from '../../gateways/media/port.js';

const NAMES = ['cover', 'folder', 'front', 'album'];
const FOLDER_IMAGE = /^(cover|folder|front|album)\.(jpe?g|png|webp)$/i;
/** Larger images are not covers we keep (a scan of a poster, a mistake). */
const MAX_COVER_BYTES = 20 * 1024 * 1024;

/** The cover image beside the files in `folder`, by the usual names in order of preference. */
export async function folderImage(folder: string): Promise<Uint8Array | undefined> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const images = names.filter((n) => FOLDER_IMAGE.test(n)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  for (const name of images) {
    const data = await readFile(join(folder, name)).catch(() => undefined);
    if (data && data.length <= MAX_COVER_BYTES) return data;
  }
  return undefined;
}

const rank = (name: string) => NAMES.indexOf(name.toLowerCase().split('.')[0]!);

/** Stores `data` as the album's cover; undefined when it is not a readable image. */
export async function storeCover(media: MediaStore, albumId: string, data: Uint8Array): Promise<AlbumCover | undefined> {
  if (data.length === 0 || data.length > MAX_COVER_BYTES) return undefined;
  const info = await imageInfo(data);
  if (!info) return undefined;
  const checksum = bytesChecksum(data);
  const key = `covers/${albumId}/${checksum.slice('sha256:'.length, 'sha256:'.length + 16)}.${info.extension}`;
  if (!(await media.stat(key))) await media.putBytes(key, data);
  return { key, mimeType: info.mimeType, bytes: data.length, checksum, width: info.width, height: info.height };
}
