import { describe, expect, it } from 'vitest';
import { parseBearer } from './bearer.js';

describe('parseBearer', () => {
  it('reads the token of a Bearer header, whatever the case of the scheme', () => {
    expect(parseBearer('Bearer abc.def')).toBe('abc.def');
    expect(parseBearer('bearer   abc')).toBe('abc');
    expect(parseBearer('Bearer abc ')).toBe('abc');
  });

  it('has no token for a missing header, another scheme, or more than one word', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'xBearer abc']) {
      expect(parseBearer(header)).toBeUndefined();
    }
  });
});
