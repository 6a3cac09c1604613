/**
 * EBU R128 figures from the summary ffmpeg's `ebur128=peak=true` filter prints when it ends:
 * integrated loudness (LUFS), loudness range (LU) and true peak (dBTP). Digital silence has no
 * loudness: ffmpeg says -70 LUFS (the absolute gate) and a peak of -inf, recorded as -200 dBTP.
 */
import type { Loudness } from '../../../domain/catalog/events.js';
import { MediaToolError } from './run.js';

const SILENT_PEAK = -200;

const number = (text: string | undefined) => (text === undefined ? Number.NaN : text === '-inf' ? Number.NEGATIVE_INFINITY : Number(text));

export function parseEbur128Summary(stderr: string): Loudness {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = number(/\bI:\s+(-inf|-?\d+(?:\.\d+)?) LUFS/.exec(summary)?.[1]);
  const range = number(/\bLRA:\s+(-?\d+(?:\.\d+)?) LU\b/.exec(summary)?.[1]);
  const peak = number(/True peak:\s+Peak:\s+(-inf|-?\d+(?:\.\d+)?) dBFS/.exec(summary)?.[1]);
  if (!stderr.includes('Summary:') || Number.isNaN(integrated) || Number.isNaN(range) || Number.isNaN(peak)) {
    throw new MediaToolError('FFMPEG_FAILED', 'ffmpeg printed no EBU R128 summary');
  }
  return {
    integratedLufs: Number.isFinite(integrated) ? integrated : -70,
    truePeakDbtp: Number.isFinite(peak) ? peak : SILENT_PEAK,
    loudnessRangeLu: range,
  };
}
