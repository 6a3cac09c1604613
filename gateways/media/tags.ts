/**
 * Tags of an audio file, read with music-metadata: what a library scan needs to place the file
 * (artist, album artist, album, title, disc and track, date, genres, MusicBrainz ids) and its
 * embedded front cover. Headers only: the audio itself is not decoded.
 */
import { parseFile, type IAudioMetadata, type IPicture } from 'music-metadata';

export interface FileTags {
  title?: string;
  artist?: string;
  albumArtist?: string;
  album?: string;
  trackNumber?: number;
  discNumber?: number;
  /** As tagged: `2019`, `2019-03` or `2019-03-04` (anything else is dropped). */
  date?: string;
  genres: string[];
  musicbrainz: {
    artistId?: string;
    albumArtistId?: string;
    releaseId?: string;
    recordingId?: string;
    releaseTrackId?: string;
  };
  picture?: { mimeType: string; data: Uint8Array };
}

export class TagReadError extends Error {
  override readonly name = 'TagReadError';
}

const text = (value: string | undefined) => {
  const trimmed = value?.replace(/\0/g, '').trim();
  return trimmed ? trimmed : undefined;
};
const positive = (value: number | null | undefined) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined);
const DATE = /^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?/;

function dateOf(common: IAudioMetadata['common']): string | undefined {
  for (const candidate of [common.date, common.originaldate]) {
    const match = candidate ? DATE.exec(candidate.trim()) : null;
    if (match) return match[0];
  }
  const year = positive(common.year ?? common.originalyear);
  return year && year >= 1000 && year <= 9999 ? String(year) : undefined;
}

/** The front cover, else the first picture. */
function pictureOf(pictures: IPicture[] | undefined): FileTags['picture'] {
  if (!pictures || pictures.length === 0) return undefined;
  const front = pictures.find((p) => /front/i.test(p.type ?? '')) ?? pictures[0]!;
  const mimeType = front.format.includes('/') ? front.format.toLowerCase() : `image/${front.format.toLowerCase()}`;
  return { mimeType: mimeType === 'image/jpg' ? 'image/jpeg' : mimeType, data: front.data };
}

export async function readTags(path: string): Promise<FileTags> {
  let metadata: IAudioMetadata;
  try {
    metadata = await parseFile(path, { duration: false, skipCovers: false });
  } catch (error) {
    throw new TagReadError(`its tags cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  const c = metadata.common;
  const tags: FileTags = {
    genres: (c.genre ?? []).flatMap((g) => g.split(/\s*[;/]\s*/)).map((g) => g.trim()).filter((g) => g.length > 0 && g.length <= 50),
    musicbrainz: {},
  };
  const set = <K extends keyof FileTags>(key: K, value: FileTags[K] | undefined) => {
    if (value !== undefined) tags[key] = value;
  };
  set('title', text(c.title));
  set('artist', text(c.artist) ?? text(c.artists?.[0]));
  set('albumArtist', text(c.albumartist));
  set('album', text(c.album));
  set('trackNumber', positive(c.track?.no));
  set('discNumber', positive(c.disk?.no));
  set('date', dateOf(c));
  set('picture', pictureOf(c.picture));
  const mb = tags.musicbrainz;
  const uuid = (value: string | undefined) => {
    const v = value?.trim().toLowerCase();
    return v && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v) ? v : undefined;
  };
  const ids: Array<[keyof FileTags['musicbrainz'], string | undefined]> = [
    ['artistId', c.musicbrainz_artistid?.[0]],
    ['albumArtistId', c.musicbrainz_albumartistid?.[0]],
    ['releaseId', c.musicbrainz_albumid],
    ['recordingId', c.musicbrainz_recordingid],
    ['releaseTrackId', c.musicbrainz_trackid],
  ];
  for (const [key, value] of ids) {
    const id = uuid(value);
    if (id) mb[key] = id;
  }
  return tags;
}
