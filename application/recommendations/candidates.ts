/**
 * Candidates and why: what a recommendation list is made of before it is re-ranked. Each
 * candidate carries its score and its reasons (the first is the main one), in the shape of the
 * API's `reasons`.
 *
 * A list gathers thousands of candidates (neighbours, genres, new releases, what is popular) and
 * keeps a few dozen, so the pool holds them in arrays indexed by track, kept from one list to the
 * next, and makes objects only for the candidates it hands out: one pool per recommender, used by
 * one list at a time (recommend() is synchronous). Fewer objects per list means fewer garbage
 * collections in the middle of a request, which is what set the latency's tail.
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

const sameReason = (a: Reason, b: Reason) => a.type === b.type && a.id === b.id;

/** Candidates by track; adding one twice adds the scores and keeps the first reasons. */
export class CandidatePool {
  private scores = new Float64Array(1024);
  /** `generation` where a track is in the pool now; anything else: it is not. */
  private marks = new Uint32Array(1024);
  private firstReasons: Array<Reason | undefined> = [];
  private readonly moreReasons = new Map<number, Reason[]>();
  private readonly members: number[] = [];
  private generation = 1;

  /** Empties the pool for the next list (its arrays are kept). */
  clear(): void {
    for (const track of this.members) this.firstReasons[track] = undefined;
    this.members.length = 0;
    this.moreReasons.clear();
    this.generation += 1;
    if (this.generation === 0xffffffff) {
      this.marks.fill(0);
      this.generation = 1;
    }
  }

  get size(): number {
    return this.members.length;
  }

  has(track: number): boolean {
    return track < this.marks.length && this.marks[track] === this.generation;
  }

  add(track: number, score: number, reason: Reason): void {
    if (!this.has(track)) {
      this.ensure(track);
      this.marks[track] = this.generation;
      this.scores[track] = score;
      this.firstReasons[track] = reason;
      this.members.push(track);
      return;
    }
    this.scores[track]! += score;
    if (sameReason(this.firstReasons[track]!, reason)) return;
    const more = this.moreReasons.get(track);
    if (!more) this.moreReasons.set(track, [reason]);
    else if (!more.some((r) => sameReason(r, reason))) more.push(reason);
  }

  /** Changes every candidate's score (e.g. a penalty), before ranking. */
  rescore(score: (track: number, score: number) => number): void {
    for (const track of this.members) this.scores[track] = score(track, this.scores[track]!);
  }

  /**
   * Best first; ties by track id. With `depth`, only the first `depth` of that order (selected
   * with a bounded heap, not a sort of the whole pool).
   */
  ranked(depth?: number): Candidate[] {
    const { members, scores } = this;
    let order: number[];
    if (depth === undefined || depth >= members.length) {
      order = [...members].sort((a, b) => scores[b]! - scores[a]! || a - b);
    } else {
      const top = new TopK(depth);
      for (const track of members) top.offer(track, scores[track]!);
      order = top.sorted().map((s) => s.id);
    }
    return order.map((track) => {
      const more = this.moreReasons.get(track);
      return { track, score: scores[track]!, reasons: more ? [this.firstReasons[track]!, ...more] : [this.firstReasons[track]!] };
    });
  }

  private ensure(track: number): void {
    if (track < this.marks.length) return;
    const size = Math.max(track + 1, this.marks.length * 2);
    const scores = new Float64Array(size);
    scores.set(this.scores);
    const marks = new Uint32Array(size);
    marks.set(this.marks);
    this.scores = scores;
    this.marks = marks;
  }
}
