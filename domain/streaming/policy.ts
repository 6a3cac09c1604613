/**
 * Who may hear what, at which quality: the rules of a stream request, as pure functions.
 *
 * - A track plays when it has renditions and its audio is available (its library file is there).
 * - A track limited to markets plays only for listeners whose country is one of them; a listener
 *   without a country cannot be placed, so such a track does not play for them.
 * - The plan caps the quality: free listeners get `low` (128 kbps); premium listeners `high`
 *   (320 kbps) and `lossless` when the original is lossless. A request above the cap gets the cap.
 */
import type { Quality } from '../catalog/events.js';
import { reject } from '../shared/errors.js';

export type Plan = 'free' | 'premium';
export const PLANS: readonly Plan[] = ['free', 'premium'];
export const QUALITIES: readonly Quality[] = ['low', 'high', 'lossless'];

export interface StreamableTrack {
  trackId: string;
  /** Renditions exist. */
  hasRenditions: boolean;
  /** False when its audio is gone (the library file was removed). */
  available: boolean;
  /** Countries where it may be played; null for everywhere. */
  markets: readonly string[] | null;
  /** The original is lossless (so the `lossless` quality exists). */
  lossless: boolean;
}

export interface Listener {
  plan: Plan;
  /** ISO 3166-1 alpha-2, or null when unknown. */
  country: string | null;
}

const rank = (q: Quality) => QUALITIES.indexOf(q);

/** The best quality the plan allows for this track. */
export function qualityCap(plan: Plan, lossless: boolean): Quality {
  if (plan !== 'premium') return 'low';
  return lossless ? 'lossless' : 'high';
}

/** Whether a file of quality `file` may be served under a URL signed for `signed`. */
export const allows = (signed: Quality, file: Quality) => rank(file) <= rank(signed);

/** The quality this listener gets for this track (rejects with TRACK_HAS_NO_AUDIO or TRACK_UNAVAILABLE_IN_REGION). */
export function decideStream(track: StreamableTrack, listener: Listener, requested?: Quality): Quality {
  if (!track.hasRenditions) reject('TRACK_HAS_NO_AUDIO', `track ${track.trackId} has no audio to stream yet`);
  if (!track.available) reject('TRACK_HAS_NO_AUDIO', `track ${track.trackId} has no audio: its file was removed from the library`);
  if (track.markets !== null && (listener.country === null || !track.markets.includes(listener.country))) {
    const where = listener.country === null ? 'your country is not known' : `not in ${listener.country}`;
    reject('TRACK_UNAVAILABLE_IN_REGION', `track ${track.trackId} is not available here (${where})`);
  }
  if (requested !== undefined && !QUALITIES.includes(requested)) reject('VALIDATION_FAILED', 'quality must be low, high or lossless');
  const cap = qualityCap(listener.plan, track.lossless);
  return requested !== undefined && rank(requested) < rank(cap) ? requested : cap;
}
