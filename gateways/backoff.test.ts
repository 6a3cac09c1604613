import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Backoff, jittered } from './backoff.js';

describe('Backoff', () => {
  it('doubles from minMs to maxMs, each wait in the upper half of its step', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 12 }), (draws) => {
        let i = 0;
        const backoff = new Backoff({ minMs: 100, maxMs: 5_000, random: () => draws[i]! });
        let step = 100;
        for (; i < draws.length; i++) {
          const delay = backoff.next();
          expect(backoff.stepMs).toBe(step);
          expect(delay).toBeGreaterThanOrEqual(step / 2);
          expect(delay).toBeLessThanOrEqual(step);
          step = Math.min(step * 2, 5_000);
        }
      }),
    );
  });

  it('is failing from the first wait until reset, then starts again from minMs', () => {
    const backoff = new Backoff({ minMs: 25, maxMs: 2_000, random: () => 0.5 });
    expect(backoff.failing).toBe(false);
    backoff.next();
    backoff.next();
    expect(backoff.failing).toBe(true);
    expect(backoff.stepMs).toBe(50);
    backoff.reset();
    expect(backoff.failing).toBe(false);
    expect(backoff.next()).toBe(jittered(25, 0.5));
  });

  it('spreads the waits of loops that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => new Backoff({ minMs: 1_000, maxMs: 1_000 }).next()));
    expect(delays.size).toBeGreaterThan(1);
  });

  it('refuses bounds that make no sense', () => {
    expect(() => new Backoff({ minMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ minMs: 10, maxMs: 5 })).toThrow(RangeError);
  });

  it('cuts a wait short when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waited = new Backoff({ minMs: 10_000, maxMs: 10_000 }).wait(controller.signal);
    controller.abort();
    await waited;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
