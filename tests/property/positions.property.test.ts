/**
 * Property: comparePositions (decimal strings compared by length, then digit by digit, no BigInt)
 * orders any two positions as comparing their parts as BigInts does, and refuses exactly what
 * parsePosition refuses. Replay a failure with FC_SEED (and FC_PATH).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePositions, parsePosition } from '../../gateways/event-store/position.js';

const U64_MAX = (1n << 64n) - 1n;

/** Small, near-equal, around powers of ten and at the 64-bit edges. */
const part = fc.oneof(
  fc.bigInt({ min: 0n, max: 20n }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.integer({ min: 0, max: 19 }).chain((e) => fc.bigInt({ min: -2n, max: 2n }).map((d) => 10n ** BigInt(e) + d)),
  fc.bigInt({ min: U64_MAX - 3n, max: U64_MAX }),
).filter((n) => n >= 0n && n <= U64_MAX);

const position = fc.tuple(part, part).map(([major, minor]) => `${major}:${minor}`);

function bigIntOrder(a: string, b: string): number {
  const pa = parsePosition(a);
  const pb = parsePosition(b);
  if (pa.major !== pb.major) return pa.major < pb.major ? -1 : 1;
  if (pa.minor !== pb.minor) return pa.minor < pb.minor ? -1 : 1;
  return 0;
}

const outcome = (f: () => number): number | string => {
  try {
    return f();
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
};

describe('comparePositions', () => {
  it('orders positions as BigInt comparison of (major, minor) does', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        expect(comparePositions(a, b)).toBe(bigIntOrder(a, b));
        expect(comparePositions(b, a)).toBe(-bigIntOrder(a, b) || 0); // not -0 when a equals b
        expect(comparePositions(a, a)).toBe(0);
      }),
    );
  });

  it('accepts and refuses what parsePosition does, with its error', () => {
    // Mostly near-valid strings: digits, colons, leading zeros, overlong and out-of-range parts.
    const junk = fc.oneof(
      fc.stringMatching(/^[0-9:]{0,44}$/),
      fc.tuple(part, part).map(([a, b]) => `0${a}:${b}`),
      fc.tuple(part, fc.bigInt({ min: U64_MAX - 2n, max: U64_MAX + 5n })).map(([a, b]) => `${a}:${b}`),
      fc.string({ maxLength: 12 }),
      position,
    );
    fc.assert(
      fc.property(junk, position, (a, b) => {
        expect(outcome(() => comparePositions(a, b))).toEqual(outcome(() => bigIntOrder(a, b)));
        expect(outcome(() => comparePositions(b, a))).toEqual(outcome(() => bigIntOrder(b, a)));
      }),
    );
  });
});
