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

/** A row's top neighbours as computed last (for normalisations that depend on the row alone). */
interface CachedTop {
  k: number;
  ids: Int32Array;
  scores: Float64Array;
}

export class CoOccurrence {
  private readonly rows: Array<IntFloatMap | undefined> = [];
  /**
   * Top-K per row, kept until a play touches the row: `raw`, and `asymmetric` with α = 1, rank a
   * row by its own weights and mass only, so a row's list stays exact until the row changes.
   */
  private readonly tops: Array<CachedTop | undefined> = [];
  private mass = new Float64Array(16);
  private massTotal = 0;
  private rowCount = 0;

  constructor(readonly params: SimilarityParams = SIMILARITY_DEFAULTS) {}

  /** Adds `by` to the weight of the pair {a, b} (a ≠ b); positive weight counts toward mass. */
  add(a: number, b: number, by: number): void {
    if (a === b) return;
    this.tops[a] = undefined;
    this.tops[b] = undefined;
    this.row(a, true).add(b, by);
    this.row(b, true).add(a, by);
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
    const cached = rowOnly ? this.tops[a] : undefined;
    if (cached && (cached.k >= k || cached.ids.length < cached.k)) {
      const n = Math.min(k, cached.ids.length);
      const out: Scored[] = new Array<Scored>(n);
      for (let i = 0; i < n; i++) out[i] = { id: cached.ids[i]!, score: cached.scores[i]! };
      return out;
    }
    const top = new TopK(k);
    row.forEach((b, w) => {
      if (w > 0) top.offer(b, this.normalise(a, b, w, normalisation));
    });
    const sorted = top.sorted();
    if (rowOnly) {
      while (this.tops.length <= a) this.tops.push(undefined);
      this.tops[a] = { k, ids: Int32Array.from(sorted, (s) => s.id), scores: Float64Array.from(sorted, (s) => s.score) };
    }
    return sorted;
  }

  /** Bytes held by the rows and the mass vector. */
  get bytes(): number {
    let bytes = this.mass.byteLength;
    for (const row of this.rows) if (row) bytes += row.bytes;
    for (const top of this.tops) if (top) bytes += 64 + top.ids.byteLength + top.scores.byteLength;
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
