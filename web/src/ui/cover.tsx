/**
 * An album's cover: the server's cover art (GET /v1/albums/:id/cover, no token needed) when the
 * album has one, at twice the shown size for sharp screens; otherwise, or when it fails to load,
 * a tile in one of eight colours chosen from the id, with the title's initials. Covers are
 * decorative: the title is always written beside them.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

export { coverOf } from '../api/covers.js';

type Size = 'small' | 'medium' | 'large';
const PIXELS: Record<Size, number> = { small: 96, medium: 320, large: 480 };

function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i += 1) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 8;
}

const initials = (title: string) =>
  title
    .split(/\s+/)
    .filter((w) => /^[\p{L}\p{N}]/u.test(w))
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');

const withSize = (url: string, size: Size) => `${url}${url.includes('?') ? '&' : '?'}size=${PIXELS[size]}`;

export function Cover({ albumId, title, size = 'medium', src }: { albumId: string; title: string; size?: Size; src?: string | undefined }): JSX.Element {
  const [failed, setFailed] = useState<string | undefined>();
  if (src && failed !== src) {
    return <img class={`cover cover-${size}`} src={withSize(src, size)} alt="" loading={size === 'large' ? 'eager' : 'lazy'} decoding="async" onError={() => setFailed(src)} />;
  }
  return (
    <span class={`cover cover-${size} hue-${hue(albumId)}`} aria-hidden="true">
      {initials(title)}
    </span>
  );
}
