/**
 * Candidates and why: what a recommendation list is made of before it is re-ranked. Each
 * candidate carries its score and its reasons (the first is the main one), in the shape of the
 * API's `reasons`.
 */
import { TopK } from '../../projections/recommendations/top-k.js';

export type ReasonType = 'similar-to' | 'artist' | 'genre' | 'popular' | 'new';

export interface Reason {
  type: ReasonType;
  id?: string;
}

export interface Candidate {
  track: number;
  score: number;
  reasons: Reason[];
}

/** Candidates by track; adding one twice adds the scores and keeps the first reasons. */
export class CandidatePool {
  private readonly byTrack = new Map<number, Candidate>();

  get size(): number {
    return this.byTrack.size;
  }

  has(track: number): boolean {
    return this.byTrack.has(track);
  }

  add(track: number, score: number, reason: Reason): void {
    const existing = this.byTrack.get(track);
    if (!existing) {
      this.byTrack.set(track, { track, score, reasons: [reason] });
      return;
    }
    existing.score += score;
    if (!existing.reasons.some((r) => r.type === reason.type && r.id === reason.id)) existing.reasons.push(reason);
  }

  /** Changes every candidate's score (e.g. a penalty), before ranking. */
  rescore(score: (candidate: Candidate) => number): void {
    for (const candidate of this.byTrack.values()) candidate.score = score(candidate);
  }

  /**
   * Best first; ties by track id. With `depth`, only the first `depth` of that order (selected
   * with a bounded heap, not a sort of the whole pool, which holds thousands of candidates).
   */
  ranked(depth?: number): Candidate[] {
    if (depth === undefined || depth >= this.byTrack.size) return [...this.byTrack.values()].sort((a, b) => b.score - a.score || a.track - b.track);
    const top = new TopK(depth);
    for (const candidate of this.byTrack.values()) top.offer(candidate.track, candidate.score);
    return top.sorted().map(({ id }) => this.byTrack.get(id)!);
  }
}
