/**
 * Test audio, made with ffmpeg on the spot (never downloaded, never committed): sine, noise or
 * silence, a few seconds long, in several formats, tagged with `-metadata`, with or without an
 * embedded cover. `clip()` keeps each distinct clip once per machine in a cache folder (written
 * under a temporary name, then renamed), so test files share them instead of encoding again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type ClipFormat = 'flac' | 'mp3' | 'm4a' | 'ogg' | 'opus' | 'wav';

export interface ClipSpec {
  format: ClipFormat;
  seconds: number;
  /** `tone`: a sine; `music`: pink noise with a tone over it (what encoders find realistic); `silence`. */
  kind?: 'tone' | 'music' | 'silence';
  frequency?: number;
  channels?: 1 | 2;
  sampleRate?: number;
  /** ffmpeg metadata keys: title, artist, album_artist, album, track ("3/10"), disc, date, genre, or any custom key. */
  tags?: Record<string, string>;
  /** Embed a cover image of this colour (mp3, flac and m4a). */
  cover?: string;
}

const CACHE = join(tmpdir(), 'chorus-test-audio');
mkdirSync(CACHE, { recursive: true });

export function ffmpeg(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`ffmpeg ${args.join(' ')} failed: ${stderr}`))));
  });
}

const CODECS: Record<ClipFormat, string[]> = {
  flac: ['-c:a', 'flac'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '192k', '-id3v2_version', '3'],
  m4a: ['-c:a', 'aac', '-b:a', '192k'],
  ogg: ['-c:a', 'libvorbis', '-q:a', '4'],
  opus: ['-c:a', 'libopus', '-b:a', '96k'],
  wav: ['-c:a', 'pcm_s16le'],
};

/** ffmpeg inputs and the output options that shape them into one audio stream `[a]` (or input 0). */
function source(spec: ClipSpec): { inputs: string[]; shape: string[]; count: number } {
  const rate = spec.sampleRate ?? 44_100;
  const d = spec.seconds;
  const layout = (spec.channels ?? 2) === 1 ? 'mono' : 'stereo';
  switch (spec.kind ?? 'music') {
    case 'tone':
      return { inputs: ['-f', 'lavfi', '-i', `sine=frequency=${spec.frequency ?? 440}:duration=${d}:sample_rate=${rate}`], shape: ['-map', '0:a', '-af', `aformat=channel_layouts=${layout}`], count: 1 };
    case 'silence':
      return { inputs: ['-f', 'lavfi', '-t', String(d), '-i', `anullsrc=r=${rate}:cl=${layout}`], shape: ['-map', '0:a'], count: 1 };
    case 'music':
      return {
        inputs: ['-f', 'lavfi', '-i', `anoisesrc=d=${d}:c=pink:r=${rate}:a=0.25:seed=7`, '-f', 'lavfi', '-i', `sine=frequency=${spec.frequency ?? 330}:duration=${d}:sample_rate=${rate}`],
        shape: ['-filter_complex', `[0:a][1:a]amix=inputs=2:duration=first,aformat=channel_layouts=${layout}[a]`, '-map', '[a]'],
        count: 2,
      };
  }
}

/** A JPEG (or PNG) of one colour, `size` pixels square. */
export async function makeImage(path: string, color: string, size = 600): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await ffmpeg(['-f', 'lavfi', '-i', `color=c=${color}:s=${size}x${size}:d=1`, '-frames:v', '1', path]);
  return path;
}

/** Writes the clip to `path`. */
export async function makeClip(path: string, spec: ClipSpec): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const { inputs, shape, count } = source(spec);
  const tags = Object.entries(spec.tags ?? {}).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
  const muxer = spec.format === 'm4a' ? 'ipod' : spec.format === 'opus' ? 'ogg' : spec.format;
  if (spec.cover && ['mp3', 'flac', 'm4a'].includes(spec.format)) {
    const cover = await makeImage(join(CACHE, `cover-${spec.cover.replace(/\W/g, '')}.jpg`), spec.cover, 500);
    await ffmpeg([
      ...inputs, '-i', cover, ...shape, '-map', `${count}:v`, ...CODECS[spec.format], '-c:v', 'copy',
      '-disposition:v', 'attached_pic', '-metadata:s:v', 'comment=Cover (front)', ...tags, '-f', muxer, path,
    ]);
  } else {
    await ffmpeg([...inputs, ...shape, ...CODECS[spec.format], ...tags, '-f', muxer, path]);
  }
  return path;
}

/** The clip from the shared cache (made once per machine), copied to `path` when given. */
export async function clip(spec: ClipSpec, path?: string): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 20);
  const cached = join(CACHE, `${key}.${spec.format}`);
  if (!(await stat(cached).catch(() => undefined))) {
    const temp = `${cached}.${process.pid}.${Date.now()}.part`;
    try {
      await makeClip(temp, spec);
      await rename(temp, cached);
    } finally {
      await rm(temp, { force: true });
    }
  }
  if (!path) return cached;
  await mkdir(dirname(path), { recursive: true });
  await copyFile(cached, path);
  return path;
}
