/**
 * The k best of a stream of (id, score) pairs with a bounded min-heap: O(n log k). Ties go to the
 * smaller id, so the answer never depends on the order the pairs came in.
 */
export interface Scored {
  id: number;
  score: number;
}

/** Whether `a` ranks below `b` (lower score, or equal score and larger id). */
const worse = (aScore: number, aId: number, bScore: number, bId: number): boolean => aScore < bScore || (aScore === bScore && aId > bId);

export class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  get size(): number {
    return this.ids.length;
  }

  /** The score an entry must beat to get in (−∞ until the heap is full). */
  get threshold(): number {
    return this.ids.length < this.k ? Number.NEGATIVE_INFINITY : this.scores[0]!;
  }

  offer(id: number, score: number): void {
    if (this.k <= 0 || Number.isNaN(score)) return;
    const { ids, scores } = this;
    if (ids.length < this.k) {
      ids.push(id);
      scores.push(score);
      this.siftUp(ids.length - 1);
    } else if (worse(scores[0]!, ids[0]!, score, id)) {
      ids[0] = id;
      scores[0] = score;
      this.siftDown(0);
    }
  }

  /** Best first. */
  sorted(): Scored[] {
    return this.ids
      .map((id, i) => ({ id, score: this.scores[i]! }))
      .sort((a, b) => b.score - a.score || a.id - b.id);
  }

  private siftUp(i: number): void {
    const { ids, scores } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(scores[i]!, ids[i]!, scores[parent]!, ids[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const { ids, scores } = this;
    const n = ids.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < n && worse(scores[left]!, ids[left]!, scores[least]!, ids[least]!)) least = left;
      if (right < n && worse(scores[right]!, ids[right]!, scores[least]!, ids[least]!)) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(a: number, b: number): void {
    const { ids, scores } = this;
    [ids[a], ids[b]] = [ids[b]!, ids[a]!];
    [scores[a], scores[b]] = [scores[b]!, scores[a]!];
  }
}

/** The k best of a map of scores. */
export function topOf(scores: Iterable<[number, number]>, k: number): Scored[] {
  const top = new TopK(k);
  for (const [id, score] of scores) top.offer(id, score);
  return top.sorted();
}
