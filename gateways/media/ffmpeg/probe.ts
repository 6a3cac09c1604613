/** What an audio file holds, as ffprobe reads it: container, codec, duration, rate, channels. */
import { lastLines, MediaToolError, runTool } from './run.js';

export interface AudioProbe {
  /** ffprobe's format name, e.g. `flac`, `mp3`, `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  /** ffprobe's codec name, e.g. `flac`, `mp3`, `aac`, `opus`, `pcm_s16le`. */
  codec: string;
  mimeType: string;
  /** The extension the original is kept under (`flac`, `mp3`, `m4a`, ...). */
  extension: string;
  durationMs: number;
  /** Bits per second, when known. */
  bitrate?: number;
  sampleRate: number;
  channels: number;
  lossless: boolean;
}

/** Containers we accept, by ffprobe's format name: the type and extension the original is served with. */
const CONTAINERS: Record<string, { mimeType: string; extension: string }> = {
  flac: { mimeType: 'audio/flac', extension: 'flac' },
  mp3: { mimeType: 'audio/mpeg', extension: 'mp3' },
  'mov,mp4,m4a,3gp,3g2,mj2': { mimeType: 'audio/mp4', extension: 'm4a' },
  ogg: { mimeType: 'audio/ogg', extension: 'ogg' },
  wav: { mimeType: 'audio/wav', extension: 'wav' },
  aac: { mimeType: 'audio/aac', extension: 'aac' },
  aiff: { mimeType: 'audio/aiff', extension: 'aiff' },
  'matroska,webm': { mimeType: 'audio/webm', extension: 'webm' },
};

const LOSSLESS = /^(flac|alac|pcm_.*|wavpack|ape|tta|truehd|mlp)$/;

interface FfprobeJson {
  streams?: Array<{ codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number; duration?: string; bit_rate?: string }>;
  format?: { format_name?: string; duration?: string; bit_rate?: string };
}

export async function probeAudio(path: string, options: { signal?: AbortSignal } = {}): Promise<AudioProbe> {
  let output;
  try {
    output = await runTool('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], options);
  } catch (error) {
    if (error instanceof MediaToolError && error.code === 'FFMPEG_FAILED') {
      throw new MediaToolError('AUDIO_UNREADABLE', `not a readable audio file (${error.message.replace(/^ffprobe failed \([^)]*\): /, '')})`);
    }
    throw error;
  }
  const json = JSON.parse(output.stdout) as FfprobeJson;
  const stream = json.streams?.find((s) => s.codec_type === 'audio');
  const container = json.format?.format_name ?? '';
  if (!stream?.codec_name) throw new MediaToolError('AUDIO_UNREADABLE', `no audio stream in it (${container || 'unknown format'}${output.stderr ? `: ${lastLines(output.stderr, 1)}` : ''})`);
  const kind = CONTAINERS[container];
  if (!kind) throw new MediaToolError('AUDIO_UNSUPPORTED', `the ${container} format is not one Chorus keeps (flac, mp3, m4a, ogg/opus, wav, aac, aiff, webm)`);
  const seconds = Number(stream.duration ?? json.format?.duration);
  const sampleRate = Number(stream.sample_rate);
  const channels = stream.channels ?? 0;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new MediaToolError('AUDIO_UNREADABLE', 'its duration cannot be read (truncated or empty?)');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || channels <= 0) throw new MediaToolError('AUDIO_UNREADABLE', 'its sample rate or channels cannot be read');
  const bitrate = Number(stream.bit_rate ?? json.format?.bit_rate);
  const probe: AudioProbe = {
    container,
    codec: stream.codec_name,
    mimeType: kind.mimeType,
    extension: stream.codec_name === 'opus' && container === 'ogg' ? 'opus' : kind.extension,
    durationMs: Math.max(1, Math.round(seconds * 1000)),
    sampleRate,
    channels,
    lossless: LOSSLESS.test(stream.codec_name),
  };
  if (Number.isFinite(bitrate) && bitrate > 0) probe.bitrate = Math.round(bitrate);
  return probe;
}
