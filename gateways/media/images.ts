/**
 * Cover images with sharp: what an image is (type, size), and resized copies in JPEG or WebP.
 * sharp (and libvips with it) is loaded on the first image, not with the module: a node that
 * serves no cover and scans no art never holds it (30 MB of RSS, 2.6 MB of heap).
 */
import type { default as Sharp } from 'sharp';

let loading: Promise<typeof Sharp> | undefined;
const sharp = (): Promise<typeof Sharp> => (loading ??= import('sharp').then((m) => m.default));

export type ImageFormat = 'jpeg' | 'webp';

export interface ImageInfo {
  mimeType: string;
  extension: string;
  width: number;
  height: number;
}

const KNOWN: Record<string, { mimeType: string; extension: string }> = {
  jpeg: { mimeType: 'image/jpeg', extension: 'jpg' },
  png: { mimeType: 'image/png', extension: 'png' },
  webp: { mimeType: 'image/webp', extension: 'webp' },
  gif: { mimeType: 'image/gif', extension: 'gif' },
};

/** Undefined when the bytes are not an image sharp reads (or not one kept as a cover). */
export async function imageInfo(data: Uint8Array): Promise<ImageInfo | undefined> {
  try {
    const meta = await (await sharp())(data, { limitInputPixels: 100_000_000 }).metadata();
    const kind = meta.format ? KNOWN[meta.format] : undefined;
    if (!kind || !meta.width || !meta.height) return undefined;
    return { ...kind, width: meta.width, height: meta.height };
  } catch {
    return undefined;
  }
}

/** A square-fitting copy at most `size` pixels on its longer side (never enlarged). */
export async function resizeImage(data: Uint8Array, size: number, format: ImageFormat): Promise<Buffer> {
  const image = (await sharp())(data, { limitInputPixels: 100_000_000 }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true });
  return format === 'webp' ? image.webp({ quality: 82 }).toBuffer() : image.jpeg({ quality: 85, mozjpeg: true }).toBuffer();
}
