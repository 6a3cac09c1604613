/**
 * The listener's playback settings in this browser: the quality (automatic: the best the plan
 * allows, adapting to the connection), the volume, and loudness normalisation, kept in
 * localStorage.
 */
import type { Quality } from '../api/types.js';
import { createStore } from '../store.js';

export type QualityChoice = 'auto' | Quality;

export interface PlaybackSettings {
  quality: QualityChoice;
  /** 0..1 */
  volume: number;
  normalise: boolean;
}

const KEY = 'chorus.playback';
const DEFAULTS: PlaybackSettings = { quality: 'auto', volume: 1, normalise: true };

function load(): PlaybackSettings {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<PlaybackSettings>;
    return {
      quality: value.quality === 'low' || value.quality === 'high' || value.quality === 'lossless' ? value.quality : 'auto',
      volume: typeof value.volume === 'number' && value.volume >= 0 && value.volume <= 1 ? value.volume : DEFAULTS.volume,
      normalise: typeof value.normalise === 'boolean' ? value.normalise : DEFAULTS.normalise,
    };
  } catch {
    return DEFAULTS;
  }
}

export const settings = createStore<PlaybackSettings>(load());
settings.subscribe(() => localStorage.setItem(KEY, JSON.stringify(settings.get())));

export function changeSettings(change: Partial<PlaybackSettings>): void {
  settings.update((s) => ({ ...s, ...change }));
}

/** Loudness normalisation aims every track at this integrated loudness (as most services do). */
export const TARGET_LUFS = -14;

/**
 * The volume factor that brings a track recorded at `lufs` to the target: louder tracks are
 * turned down; quieter ones are left as they are (turning them up could clip their peaks).
 */
export function loudnessGain(lufs: number | undefined): number {
  if (lufs === undefined || !Number.isFinite(lufs)) return 1;
  return Math.min(1, 10 ** ((TARGET_LUFS - lufs) / 20));
}
