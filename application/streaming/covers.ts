/**
 * Album covers as served (`GET /v1/albums/:id/cover?size=&format=`, Subsonic's `getCoverArt`):
 * the original image, or a copy resized with sharp to the next size of a fixed ladder (so that a
 * client asking for every size in turn cannot fill the disk), made once and kept in the media
 * store beside the original (`covers/<albumId>/<hash>-<size>.<ext>`).
 */
import { DomainError } from '../../domain/shared/errors.js';
import { resizeImage, type ImageFormat } from '../../gateways/media/images.js';
import type { MediaStore } from '../../gateways/media/port.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { getAlbumCover } from '../../projections/sql/catalog.js';
import { MediaAccessError } from './errors.js';

export const COVER_SIZES = [64, 96, 128, 192, 256, 300, 384, 512, 640, 800, 1024, 1200] as const;
export const MIN_COVER_SIZE = COVER_SIZES[0];
export const MAX_COVER_SIZE = COVER_SIZES[COVER_SIZES.length - 1]!;

export interface CoverDeps {
  sql: SqlExecutor;
  media: MediaStore;
}

export interface CoverFile {
  path: string;
  mimeType: string;
  /** Names the original image (the `v` of the album's coverUrl): a URL with it may be cached for good. */
  version: string;
  /** The size served (on the ladder), or undefined for the original. */
  size: number | undefined;
}

const FORMATS: Record<ImageFormat, { mimeType: string; extension: string }> = {
  jpeg: { mimeType: 'image/jpeg', extension: 'jpg' },
  webp: { mimeType: 'image/webp', extension: 'webp' },
};

/** The ladder's size for a request of `size` pixels (the next one up, at most the largest). */
export const coverSize = (size: number) => COVER_SIZES.find((s) => s >= size) ?? MAX_COVER_SIZE;

const making = new Map<string, Promise<void>>();

/**
 * The album's cover file: the original without size and format, else a resized copy (JPEG unless
 * `format` says WebP). Throws ALBUM_NOT_FOUND (DomainError) or COVER_NOT_FOUND (MediaAccessError).
 */
export async function coverFile(deps: CoverDeps, albumId: string, options: { size?: number; format?: ImageFormat } = {}): Promise<CoverFile> {
  const cover = await getAlbumCover(deps.sql, albumId);
  if (cover === undefined) throw new DomainError('ALBUM_NOT_FOUND', `album ${albumId} does not exist`);
  if (cover === null) throw new MediaAccessError('COVER_NOT_FOUND', `album ${albumId} has no cover art`);
  const version = cover.checksum.slice('sha256:'.length, 'sha256:'.length + 16);
  const localPath = (key: string) => {
    const path = deps.media.localPath(key);
    if (!path) throw new MediaAccessError('COVER_NOT_FOUND', `the media store (${deps.media.description}) has no local files to send`);
    return path;
  };
  if (options.size === undefined && options.format === undefined) return { path: localPath(cover.key), mimeType: cover.mimeType, version, size: undefined };

  const size = coverSize(options.size ?? MAX_COVER_SIZE);
  const format = FORMATS[options.format ?? 'jpeg'];
  const key = `covers/${albumId}/${version}-${size}.${format.extension}`;
  if (!(await deps.media.stat(key))) {
    let pending = making.get(key);
    if (!pending) {
      pending = (async () => {
        const original = await deps.media.read(cover.key);
        if (!original) throw new MediaAccessError('COVER_NOT_FOUND', `the cover of album ${albumId} is missing from the media store`);
        await deps.media.putBytes(key, await resizeImage(original, size, options.format ?? 'jpeg'));
      })().finally(() => making.delete(key));
      making.set(key, pending);
    }
    await pending;
  }
  return { path: localPath(key), mimeType: format.mimeType, version, size };
}
