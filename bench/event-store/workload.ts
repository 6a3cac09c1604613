/**
 * The one workload both stores get: a TrackPlayed event of about 200 bytes of JSON, appended to
 * streams named `<category>-<id>` (valid for both stores).
 */
import { wallClockMs } from '../lib/timing.js';

export const EVENT_TYPE = 'TrackPlayed';

/** Events per read (readAll pages, subscription pages): the same for both stores. */
export const PAGE_SIZE = 1_000;

export type TrackPlayed = {
  trackId: string;
  listenerId: string;
  playlistId: string;
  playedAt: string;
  durationMs: number;
  positionMs: number;
  device: string;
  country: string;
  /** Wall-clock ms when the append started; subscribers compute their latency from it. */
  sentAt: number;
};

const DEVICES = ['web', 'ios', 'android', 'desktop'] as const;
const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'JP', 'SE'] as const;

/** Deterministic in `n`: the same sequence for every store. */
export function trackPlayed(n: number, sentAt: number = wallClockMs()): TrackPlayed {
  return {
    trackId: `trk_${hex(n * 2_654_435_761, 12)}`,
    listenerId: `usr_${hex(n % 9_973, 10)}`,
    playlistId: `pl_${hex((n % 577) * 40_503, 12)}`,
    playedAt: new Date(1_750_000_000_000 + n * 1_000).toISOString(),
    durationMs: 120_000 + (n % 240) * 1_000,
    positionMs: 0,
    device: DEVICES[n % DEVICES.length]!,
    country: COUNTRIES[n % COUNTRIES.length]!,
    sentAt,
  };
}

export function streamName(runTag: string, writer: number, n: number): string {
  return `listening-${runTag}.${writer}.${n}`;
}

function hex(value: number, width: number): string {
  return (Math.abs(Math.trunc(value)) % 16 ** width).toString(16).padStart(width, '0');
}
