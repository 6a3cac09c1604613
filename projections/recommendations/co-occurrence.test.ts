/** Kept top-K lists answer exactly what a fresh computation from the weights does, through any changes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoOccurrence, NORMALISATIONS } from './co-occurrence.js';

describe('neighbours', () => {
  it('asked between changes (kept lists) equal those of a model that never kept any', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), a: fc.nat({ max: 9 }), b: fc.nat({ max: 9 }), by: fc.constantFrom(1, 1, 1, -0.25) }),
      fc.record({ kind: fc.constant('ask' as const), a: fc.nat({ max: 9 }), k: fc.integer({ min: 1, max: 12 }), n: fc.constantFrom(...NORMALISATIONS) }),
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
    );
  });
});
