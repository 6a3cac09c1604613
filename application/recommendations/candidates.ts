/**
 * Candidates and why: what a recommendation list is made of before it is re-ranked. Each
 * candidate carries its score and its reasons (the first is the main one), in the shape of the
 * API's `reasons`.
 */
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

  /** Best first; ties by track id. */
  ranked(): Candidate[] {
    return [...this.byTrack.values()].sort((a, b) => b.score - a.score || a.track - b.track);
  }
}
