import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuid.js';

describe('uuidv7', () => {
  it('has version 7, the RFC variant, and the time in its first 48 bits', () => {
    const id = uuidv7(0x0123456789ab);
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by creation time', () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
  });
});

describe('uuidv7 randomness', () => {
  it('differs in its random bits between ids of the same millisecond, and keeps the time of any millisecond', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^018bcfe5-6800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7(0)).toMatch(/^00000000-0000-7/);
    expect(uuidv7(2 ** 48 - 1)).toMatch(/^ffffffff-ffff-7/);
  });
});
