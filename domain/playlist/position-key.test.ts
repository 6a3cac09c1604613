import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPositionKey, keyBetween, keysBetween } from './position-key.js';

/** A seeded jitter source driven by fast-check. */
const jitter = fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1, maxLength: 20 }).map((values) => {
  let i = 0;
  return () => values[i++ % values.length]!;
});

describe('position keys', () => {
  it('start the list at a0 and step the integer part at either end, with a random fraction', () => {
    expect(keyBetween(undefined, undefined)).toMatch(/^a0[0-9A-Za-z][1-9A-Za-z]$/);
    expect(keyBetween('a0', undefined)).toMatch(/^a1..$/);
    expect(keyBetween(undefined, 'a0')).toMatch(/^Zz..$/);
    expect(keyBetween('az', undefined)).toMatch(/^b00..$/);
    expect(keyBetween(undefined, 'Z0')).toMatch(/^Yzz..$/);
  });

  it('give two devices appending at once different keys', () => {
    // Each device draws its own jitter: 62 x 61 fractions, so two devices collide about once in
    // 3,800 appends. Seeded (a run of Math.random would fail now and then): 200 appends from one
    // place collide about 5 times by chance; without jitter they would all be one key.
    const draws = fc.sample(fc.noBias(fc.integer({ min: 0, max: 2 ** 31 - 1 })), { seed: 42, numRuns: 400 }).map((n) => n / 2 ** 31);
    let i = 0;
    const random = () => draws[i++]!;
    const keys = new Set(Array.from({ length: 200 }, () => keyBetween('a5', undefined, random)));
    expect(keys.size).toBeGreaterThan(190);
  });

  it('always find a key strictly between two keys, in any sequence of inserts', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 300 }), jitter, (places, random) => {
        const keys: string[] = [];
        for (const place of places) {
          const at = place % (keys.length + 1);
          const key = keyBetween(keys[at - 1], keys[at], random);
          expect(isPositionKey(key)).toBe(true);
          if (at > 0) expect(keys[at - 1]! < key).toBe(true);
          if (at < keys.length) expect(key < keys[at]!).toBe(true);
          keys.splice(at, 0, key);
        }
        expect([...keys].sort()).toEqual(keys);
      }),
    );
  });

  it('stay short when appending or prepending 10,000 times', () => {
    let last: string | undefined;
    let first: string | undefined;
    for (let i = 0; i < 10_000; i += 1) {
      last = keyBetween(last, undefined);
      first = keyBetween(undefined, first);
    }
    expect(last!.length).toBeLessThanOrEqual(6);
    expect(first!.length).toBeLessThanOrEqual(6);
  });

  it('give increasing keys for a run inserted at one place', () => {
    const keys = keysBetween('a0', 'a1', 50);
    expect([...keys].sort()).toEqual(keys);
    expect(keys[0]! > 'a0' && keys[49]! < 'a1').toBe(true);
  });

  it('reject keys that are not keys', () => {
    for (const bad of ['', 'x', '!a', 'a00', 'b1', 7, null]) expect(isPositionKey(bad)).toBe(false);
  });
});
