/**
 * Seeds of "for you": the listener's recent and frequent tracks, weighted by how often they
 * played them (log-damped), whether they liked them, and how recently (an exponential decay with
 * a half-life, floored so an old favourite still counts a little). Tracks skipped more often
 * than played are not seeds; the few most recent tracks always are (what they listen to now).
 */
import type { UserProfile } from '../../projections/recommendations/profiles.js';

export interface SeedConfig {
  maxSeeds: number;
  halfLifeDays: number;
  /** Share of the weight that never decays. */
  floor: number;
  /** The most recent tracks that are seeds whatever their weight. */
  recentCount: number;
}

export const SEED_DEFAULTS: SeedConfig = { maxSeeds: 50, halfLifeDays: 30, floor: 0.4, recentCount: 5 };

export interface Seed {
  track: number;
  weight: number;
}

const DAY_MS = 86_400_000;

export function seedWeight(plays: number, skips: number, liked: boolean, ageMs: number, config: SeedConfig): number {
  const affinity = Math.log2(1 + plays) + (liked ? 1 : 0) - 0.5 * Math.log2(1 + skips);
  if (affinity <= 0) return 0;
  const recency = 2 ** (-Math.max(ageMs, 0) / (config.halfLifeDays * DAY_MS));
  return affinity * (config.floor + (1 - config.floor) * recency);
}

export function selectSeeds(profile: UserProfile, nowMs: number, config: SeedConfig = SEED_DEFAULTS): Seed[] {
  const weighted: Array<Seed & { lastAtMs: number }> = [];
  profile.forEachTrack((track, plays, skips, lastAtMs) => {
    if (plays === 0 && !profile.likes.has(track)) return;
    const weight = seedWeight(plays, skips, profile.likes.has(track), nowMs - lastAtMs, config);
    if (weight > 0) weighted.push({ track, weight, lastAtMs });
  });
  for (const track of profile.likes) {
    if (!profile.hasPlayed(track)) weighted.push({ track, weight: seedWeight(0, 0, true, 0, config), lastAtMs: Number.NEGATIVE_INFINITY });
  }
  const recent = [...weighted].sort((a, b) => b.lastAtMs - a.lastAtMs || a.track - b.track).slice(0, config.recentCount);
  const chosen = new Map<number, number>(recent.map((s) => [s.track, s.weight]));
  weighted.sort((a, b) => b.weight - a.weight || a.track - b.track);
  for (const seed of weighted) {
    if (chosen.size >= config.maxSeeds) break;
    chosen.set(seed.track, seed.weight);
  }
  return [...chosen].map(([track, weight]) => ({ track, weight }));
}
