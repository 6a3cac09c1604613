/** Kept top-K lists answer exactly what a fresh computation from the weights does, through any changes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoOccurrence, NORMALISATIONS } from './co-occurrence.js';

describe('neighbours', () => {
  it('asked between changes (kept lists) equal those of a model that never kept any', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), a: fc.nat({ max: 9 }), b: fc.nat({ max: 9 }), by: fc.constantFrom(1, 1, 1, -0.25) }),
      fc.record({ kind: fc.constant('ask' as const), a: fc.nat({ max: 9 }), k: fc.integer({ min: 1, max: 12 }), n: fc.constantFrom(...NORMALISATIONS) }),
      // Asking for few, then for more, of one item: kept lists that fill up and spill over.
      fc.record({ kind: fc.constant('ask' as const), a: fc.constant(0), k: fc.integer({ min: 1, max: 4 }), n: fc.constant('raw' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const co = new CoOccurrence();
        for (const o of ops) {
          if (o.kind === 'add') {
            co.add(o.a, o.b, o.by);
            continue;
          }
          // The definition: every item with positive similarity, best first, ties to the smaller id.
          const expected = Array.from({ length: 10 }, (_, b) => ({ id: b, score: co.similarity(o.a, b, o.n) }))
            .filter((s) => s.id !== o.a && co.weight(o.a, s.id) > 0)
            .sort((x, y) => y.score - x.score || x.id - y.id)
            .slice(0, o.k);
          expect(co.neighbours(o.a, o.k, o.n)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a kept list that held every neighbour stops claiming so once one is left out', () => {
    const co = new CoOccurrence();
    co.add(0, 1, 3);
    expect(co.neighbours(0, 2, 'raw').map((s) => s.id)).toEqual([1]); // kept: all of row 0
    co.add(0, 2, 2); // fills the list (2 of 2)
    co.add(0, 3, 1); // ranks third: left out
    expect(co.neighbours(0, 3, 'raw').map((s) => s.id)).toEqual([1, 2, 3]);
    co.add(0, 4, 5);
    co.add(0, 2, -1.5); // falls below 3 while the list may not hold everyone: computed again
    expect(co.neighbours(0, 3, 'raw')).toEqual([
      { id: 4, score: 5 },
      { id: 1, score: 3 },
      { id: 3, score: 1 },
    ]);
  });
});
