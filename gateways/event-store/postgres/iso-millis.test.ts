import { describe, expect, it } from 'vitest';
import { isoMillis } from './store.js';

describe('isoMillis: to_json UTC times as Date#toISOString writes them', () => {
  it.each([
    ['2026-12-07T00:39:14', '2026-12-07T00:39:14.000Z'],
    ['2026-12-07T00:39:14.1', '2026-12-07T00:39:14.100Z'],
    ['2026-12-07T00:39:14.12', '2026-12-07T00:39:14.120Z'],
    ['2026-12-07T00:39:14.123', '2026-12-07T00:39:14.123Z'],
    ['2026-12-07T00:39:14.1239', '2026-12-07T00:39:14.123Z'],
    ['2026-12-07T00:39:14.123999', '2026-12-07T00:39:14.123Z'],
  ])('%s -> %s', (utc, iso) => {
    expect(isoMillis(utc)).toBe(iso);
    // What a Date holding the same instant gives (it keeps milliseconds, cut, not rounded).
    expect(isoMillis(utc)).toBe(new Date(`${utc.slice(0, 23)}Z`).toISOString());
  });
});
