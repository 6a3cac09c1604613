import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntFloatMap } from './int-float-map.js';

describe('IntFloatMap', () => {
  it('holds what a Map would, through growth, for any sequence of additions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 5_000 }), fc.integer({ min: -8, max: 8 }).map((q) => q / 4)), { maxLength: 600 }), (adds) => {
        const map = new IntFloatMap();
        const reference = new Map<number, number>();
        for (const [key, by] of adds) {
          map.add(key, by);
          reference.set(key, (reference.get(key) ?? 0) + by);
        }
        expect(map.size).toBe(reference.size);
        expect(map.entries()).toEqual([...reference].sort((a, b) => a[0] - b[0]));
        for (const [key, value] of reference) expect(map.get(key)).toBe(value);
        expect(map.get(5_001)).toBe(0);
        expect(map.has(5_001)).toBe(false);
      }),
    );
  });

  it('refuses keys that are not non-negative integers', () => {
    const map = new IntFloatMap();
    expect(() => map.add(-1, 1)).toThrow(RangeError);
    expect(() => map.add(1.5, 1)).toThrow(RangeError);
  });
});
