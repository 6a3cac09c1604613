/**
 * The renditions of one original, made by ffmpeg in a work folder:
 * - one decode feeding three outputs: AAC-LC `.m4a` at 128 and 320 kbps (faststart: the index
 *   first, so playback starts before the download ends) and the EBU R128 measurement;
 * - HLS from those files without re-encoding (stream copy): fMP4 segments of ~6 s, one media
 *   playlist per bitrate, and two master playlists (both bitrates; the low one alone, for plans
 *   capped at it) with BANDWIDTH, AVERAGE-BANDWIDTH and CODECS="mp4a.40.2".
 * 128 kbps uses the native encoder's default (two-loop) coder; 320 kbps its fast coder, which is
 * about twice as fast and transparent at that rate.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Loudness, Quality } from '../../../domain/catalog/events.js';
import { parseMediaPlaylist, variantBandwidth, writeMasterPlaylist, type Variant } from './hls.js';
import { parseEbur128Summary } from './loudness.js';
import type { AudioProbe } from './probe.js';
import { runTool } from './run.js';

export const AAC_LC = 'mp4a.40.2';
export const HLS_SEGMENT_SECONDS = 6;

const LADDER = [
  { quality: 'low' as const, kbps: 128, coder: 'twoloop' },
  { quality: 'high' as const, kbps: 320, coder: 'fast' },
];

export interface RenderedFile {
  /** Path inside the work folder (and, later, inside the track's version folder). */
  file: string;
  quality: Exclude<Quality, 'lossless'>;
  format: 'progressive' | 'hls';
  mimeType: string;
  codec: string;
  bitrate: number;
  durationMs: number;
  segments?: number;
  /** Every file the rendition is made of (an HLS playlist, its init segment and media segments). */
  parts: string[];
}

export interface Rendered {
  files: RenderedFile[];
  masters: { master: string; masterLow: string };
  loudness: Loudness;
  /** Every file written, relative to the work folder. */
  written: string[];
}

/** AAC's rates: keep the original's up to 48 kHz; above it, the 44.1 or 48 kHz family it belongs to. */
export function outputSampleRate(rate: number): number {
  if (rate <= 48_000) return rate;
  return rate % 44_100 === 0 ? 44_100 : 48_000;
}

export async function renderAudio(input: string, probe: AudioProbe, work: string, options: { signal?: AbortSignal } = {}): Promise<Rendered> {
  const shape = ['-ar', String(outputSampleRate(probe.sampleRate)), ...(probe.channels > 2 ? ['-ac', '2'] : [])];
  const encode = LADDER.flatMap((r) => [
    '-map', '0:a:0', '-vn', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact',
    '-c:a', 'aac', '-aac_coder', r.coder, '-b:a', `${r.kbps}k`, ...shape,
    '-movflags', '+faststart', '-f', 'mp4', join(work, `aac-${r.kbps}.m4a`),
  ]);
  const measure = ['-map', '0:a:0', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'];
  const first = await runTool('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', '-v', 'info', '-y', '-i', input, ...encode, ...measure], options);
  const loudness = parseEbur128Summary(first.stderr);

  for (const r of LADDER) await mkdir(join(work, 'hls', String(r.kbps)), { recursive: true });
  for (const r of LADDER) {
    const dir = join(work, 'hls', String(r.kbps));
    await runTool('ffmpeg', [
      '-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', join(work, `aac-${r.kbps}.m4a`),
      '-map', '0:a:0', '-c', 'copy', '-f', 'hls', '-hls_time', String(HLS_SEGMENT_SECONDS), '-hls_playlist_type', 'vod',
      '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4', '-hls_flags', 'independent_segments',
      '-hls_segment_filename', join(dir, 'seg-%d.m4s'), join(dir, 'index.m3u8'),
    ], options);
  }

  const files: RenderedFile[] = [];
  const variants: Variant[] = [];
  const written: string[] = [];
  for (const r of LADDER) {
    const progressive = `aac-${r.kbps}.m4a`;
    const durationMs = await durationOf(join(work, progressive), options);
    files.push({ file: progressive, quality: r.quality, format: 'progressive', mimeType: 'audio/mp4', codec: AAC_LC, bitrate: r.kbps * 1000, durationMs, parts: [progressive] });
    const folder = `hls/${r.kbps}`;
    const playlist = parseMediaPlaylist(await readFile(join(work, folder, 'index.m3u8'), 'utf8'));
    const segments = await Promise.all(playlist.segments.map(async (s) => ({ ...s, bytes: (await stat(join(work, folder, s.uri))).size })));
    const parts = [`${folder}/index.m3u8`, ...(playlist.init ? [`${folder}/${playlist.init}`] : []), ...segments.map((s) => `${folder}/${s.uri}`)];
    const seconds = segments.reduce((sum, s) => sum + s.seconds, 0);
    files.push({
      file: `${folder}/index.m3u8`, quality: r.quality, format: 'hls', mimeType: 'application/vnd.apple.mpegurl', codec: AAC_LC,
      bitrate: r.kbps * 1000, durationMs: Math.round(seconds * 1000), segments: segments.length, parts,
    });
    variants.push({ uri: `${r.kbps}/index.m3u8`, codecs: AAC_LC, ...variantBandwidth(segments) });
    written.push(progressive, ...parts);
  }
  await writeFile(join(work, 'hls', 'master.m3u8'), writeMasterPlaylist(variants));
  await writeFile(join(work, 'hls', 'master-low.m3u8'), writeMasterPlaylist(variants.slice(0, 1)));
  written.push('hls/master.m3u8', 'hls/master-low.m3u8');
  return { files, masters: { master: 'hls/master.m3u8', masterLow: 'hls/master-low.m3u8' }, loudness, written };
}

/** A file's duration as ffprobe reads it from the container (edit lists applied). */
export async function durationOf(path: string, options: { signal?: AbortSignal } = {}): Promise<number> {
  const { stdout } = await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], options);
  return Math.round(Number(stdout.trim()) * 1000);
}
