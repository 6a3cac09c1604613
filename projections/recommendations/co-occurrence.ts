/**
 * Symmetric co-occurrence weights between items (tracks, or artists) and their normalisations:
 * raw weights are what plays change (a play touches only its own row and its partners' rows);
 * similarity is computed from them when asked, so nothing has to be recomputed when an unrelated
 * item's counts move, and an incremental model is bit for bit a rebuilt one.
 *
 * - `cosine`: w(a,b) / sqrt(m(a) m(b)), where m is an item's co-listening mass (the sum of its
 *   positive weights): the classic item-kNN normalisation;
 * - `asymmetric`: w(a,b) / (m(a)^α m(b)^(1−α)) (Aiolli's asymmetric cosine): α above 1/2 damps
 *   popular neighbours less than cosine does; α = 1/2 is cosine.
 * - `bm25`: each row read as a document whose terms are its neighbours: a saturating term
 *   frequency, length-normalised by the row's mass against the average, times the neighbour's
 *   inverse document frequency (rows it appears in). It damps neighbours that co-occur with
 *   everything (the hits) more than cosine does.
 * - `raw`: the weight itself (for reference: it ranks hits first).
 */
import { IntFloatMap } from './int-float-map.js';
import { TopK, type Scored } from './top-k.js';

export type Normalisation = 'cosine' | 'asymmetric' | 'bm25' | 'raw';
export const NORMALISATIONS: readonly Normalisation[] = ['cosine', 'asymmetric', 'bm25', 'raw'];

export interface SimilarityParams {
  /** BM25's term-frequency saturation and length normalisation. */
  k1: number;
  b: number;
  /** Asymmetric cosine: w / (m(a)^alpha m(b)^(1 - alpha)); 0.5 is cosine, 1 ranks a row by raw weight. */
  alpha: number;
}

export const SIMILARITY_DEFAULTS: SimilarityParams = { k1: 1.2, b: 0.75, alpha: 1 };

/**
 * A row's top neighbours by weight (best first; ties to the smaller id), for normalisations that
 * rank a row by its own weights: kept up to date as the row's weights change.
 */
interface CachedTop {
  k: number;
  ids: number[];
  weights: number[];
  /** The list holds every neighbour of positive weight (the row has at most `k`). */
  complete: boolean;
}

export class CoOccurrence {
  private readonly rows: Array<IntFloatMap | undefined> = [];
  /**
   * Top-K per row: `raw`, and `asymmetric` with α = 1, rank a row by its own weights (the mass of
   * the row divides them all), so a kept list is maintained as plays change the row's weights
   * (keep()), and is computed again only when a weight in it falls while the row has more
   * neighbours than the list holds (the one it should let in is not known).
   */
  private readonly tops: Array<CachedTop | undefined> = [];
  private mass = new Float64Array(16);
  private massTotal = 0;
  private rowCount = 0;

  constructor(readonly params: SimilarityParams = SIMILARITY_DEFAULTS) {}

  /** Adds `by` to the weight of the pair {a, b} (a ≠ b); positive weight counts toward mass. */
  add(a: number, b: number, by: number): void {
    if (a === b) return;
    this.row(a, true).add(b, by);
    this.row(b, true).add(a, by);
    this.keep(a, b, by);
    this.keep(b, a, by);
    if (by > 0) {
      this.ensureMass(Math.max(a, b));
      this.mass[a]! += by;
      this.mass[b]! += by;
      this.massTotal += 2 * by;
    }
  }

  weight(a: number, b: number): number {
    return this.rows[a]?.get(b) ?? 0;
  }

  massOf(a: number): number {
    return a < this.mass.length ? this.mass[a]! : 0;
  }

  /** How many items `a` has been paired with. */
  degree(a: number): number {
    return this.rows[a]?.size ?? 0;
  }

  /** Every pair seen with `a` and its weight. */
  forEachNeighbour(a: number, visit: (b: number, weight: number) => void): void {
    this.rows[a]?.forEach(visit);
  }

  /** Similarity of `b` to `a` under a normalisation; 0 when never co-listened or net negative. */
  similarity(a: number, b: number, normalisation: Normalisation): number {
    const w = this.weight(a, b);
    return w > 0 ? this.normalise(a, b, w, normalisation) : 0;
  }

  /** The k most similar items to `a` (positive similarity only), best first. */
  neighbours(a: number, k: number, normalisation: Normalisation): Scored[] {
    const row = this.rows[a];
    if (!row || k <= 0) return [];
    const rowOnly = normalisation === 'raw' || (normalisation === 'asymmetric' && this.params.alpha === 1);
    if (rowOnly) {
      let kept = this.tops[a];
      if (!kept || (kept.k < k && !kept.complete)) kept = this.computeTop(a, row, k);
      const n = Math.min(k, kept.ids.length);
      const out: Scored[] = new Array<Scored>(n);
      for (let i = 0; i < n; i++) out[i] = { id: kept.ids[i]!, score: this.normalise(a, kept.ids[i]!, kept.weights[i]!, normalisation) };
      return out;
    }
    const top = new TopK(k);
    row.forEach((b, w) => {
      if (w > 0) top.offer(b, this.normalise(a, b, w, normalisation));
    });
    return top.sorted();
  }

  private computeTop(a: number, row: IntFloatMap, k: number): CachedTop {
    const top = new TopK(k);
    row.forEach((b, w) => {
      if (w > 0) top.offer(b, w);
    });
    const sorted = top.sorted();
    const kept: CachedTop = { k, ids: sorted.map((s) => s.id), weights: sorted.map((s) => s.score), complete: sorted.length < k };
    while (this.tops.length <= a) this.tops.push(undefined);
    this.tops[a] = kept;
    return kept;
  }

  /** Row `a`'s kept list after the weight of `b` in it moved by `by`. */
  private keep(a: number, b: number, by: number): void {
    const kept = this.tops[a];
    if (!kept) return;
    const w = this.weight(a, b);
    const { ids, weights } = kept;
    const at = ids.indexOf(b);
    if (at >= 0) {
      if (by < 0 && !kept.complete) {
        this.tops[a] = undefined; // whoever is next outside the list may now be ahead of b
        return;
      }
      ids.splice(at, 1);
      weights.splice(at, 1);
    }
    if (w <= 0) return;
    // Where b goes: after every entry ranked above it (more weight, or as much and a smaller id).
    let place = 0;
    while (place < ids.length && (weights[place]! > w || (weights[place] === w && ids[place]! < b))) place++;
    if (place >= kept.k) {
      kept.complete = false; // not among the best k: the list no longer holds every neighbour
      return;
    }
    ids.splice(place, 0, b);
    weights.splice(place, 0, w);
    if (ids.length > kept.k) {
      ids.pop();
      weights.pop();
      kept.complete = false;
    }
  }

  /** Bytes held by the rows and the mass vector. */
  get bytes(): number {
    let bytes = this.mass.byteLength;
    for (const row of this.rows) if (row) bytes += row.bytes;
    for (const top of this.tops) if (top) bytes += 64 + 16 * top.ids.length;
    return bytes;
  }

  get pairs(): number {
    let entries = 0;
    for (const row of this.rows) if (row) entries += row.size;
    return entries / 2;
  }

  /** A canonical dump (for tests comparing two models). */
  snapshot(): Array<[number, Array<[number, number]>]> {
    const out: Array<[number, Array<[number, number]>]> = [];
    this.rows.forEach((row, a) => {
      if (row && row.size > 0) out.push([a, row.entries()]);
    });
    return out;
  }

  private normalise(a: number, b: number, w: number, normalisation: Normalisation): number {
    switch (normalisation) {
      case 'raw':
        return w;
      case 'cosine': {
        const denominator = Math.sqrt(this.massOf(a) * this.massOf(b));
        return denominator > 0 ? w / denominator : 0;
      }
      case 'asymmetric': {
        const { alpha } = this.params;
        const denominator = this.massOf(a) ** alpha * this.massOf(b) ** (1 - alpha);
        return denominator > 0 ? w / denominator : 0;
      }
      case 'bm25': {
        const { k1, b: lengthWeight } = this.params;
        const average = this.rowCount > 0 ? this.massTotal / this.rowCount : 1;
        const length = 1 - lengthWeight + (lengthWeight * this.massOf(a)) / average;
        const df = this.degree(b);
        const idf = Math.log(1 + (this.rowCount - df + 0.5) / (df + 0.5));
        return (idf * (w * (k1 + 1))) / (w + k1 * length);
      }
      default: {
        const never: never = normalisation;
        throw new Error(`unknown normalisation ${String(never)}`);
      }
    }
  }

  private row(a: number, create: boolean): IntFloatMap {
    let row = this.rows[a];
    if (!row && create) {
      while (this.rows.length <= a) this.rows.push(undefined);
      row = this.rows[a] = new IntFloatMap();
      this.rowCount += 1;
    }
    return row!;
  }

  private ensureMass(index: number): void {
    if (index < this.mass.length) return;
    let length = this.mass.length;
    while (length <= index) length *= 2;
    const grown = new Float64Array(length);
    grown.set(this.mass);
    this.mass = grown;
  }
}
