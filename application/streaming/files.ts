/**
 * The files of a track's media folder that a media URL may reach, by the names ingest gives them
 * (application/library/ingest.ts): the quality each belongs to and the type it is served with.
 * Anything else under the folder (the manifest, a stray file) is never served.
 *
 *   {version}/aac-128.m4a, {version}/hls/master-low.m3u8, {version}/hls/128/*   low
 *   {version}/aac-320.m4a, {version}/hls/master.m3u8,     {version}/hls/320/*   high
 *   {version}/original.{ext}                                                    lossless
 */
import type { Quality } from '../../domain/catalog/events.js';

export interface MediaFile {
  quality: Quality;
  mimeType: string;
}

const VERSION = '[0-9a-f]{16}';
const HLS_TYPE = 'application/vnd.apple.mpegurl';
const MP4_AUDIO = 'audio/mp4';

/** The types originals are kept as (gateways/media/ffmpeg/probe.ts names the extensions). */
const ORIGINAL_TYPES: Record<string, string> = {
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  m4a: MP4_AUDIO,
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  aac: 'audio/aac',
  aiff: 'audio/aiff',
  webm: 'audio/webm',
};

const RULES: Array<{ pattern: RegExp; file: (match: RegExpExecArray) => MediaFile | undefined }> = [
  { pattern: new RegExp(`^${VERSION}/aac-(128|320)\\.m4a$`), file: (m) => ({ quality: m[1] === '128' ? 'low' : 'high', mimeType: MP4_AUDIO }) },
  { pattern: new RegExp(`^${VERSION}/hls/master(-low)?\\.m3u8$`), file: (m) => ({ quality: m[1] ? 'low' : 'high', mimeType: HLS_TYPE }) },
  {
    pattern: new RegExp(`^${VERSION}/hls/(128|320)/(index\\.m3u8|init\\.mp4|seg-\\d{1,6}\\.m4s)$`),
    file: (m) => ({ quality: m[1] === '128' ? 'low' : 'high', mimeType: m[2]!.endsWith('.m3u8') ? HLS_TYPE : MP4_AUDIO }),
  },
  {
    pattern: new RegExp(`^${VERSION}/original\\.([a-z0-9]{2,5})$`),
    file: (m) => (ORIGINAL_TYPES[m[1]!] ? { quality: 'lossless', mimeType: ORIGINAL_TYPES[m[1]!]! } : undefined),
  },
];

/** What `file` (a path inside a track's media folder) is, or undefined when it is not served. */
export function mediaFile(file: string): MediaFile | undefined {
  for (const rule of RULES) {
    const match = rule.pattern.exec(file);
    if (match) return rule.file(match);
  }
  return undefined;
}
