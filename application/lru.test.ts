import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry and expires entries after their time to live', () => {
    let now = 0;
    const lru = new Lru<string, number>(2, () => now);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    lru.set('d', 4, 10);
    now = 10;
    expect(lru.get('d')).toBeUndefined();
  });

  it('forgets a deleted entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.delete('a');
    lru.delete('missing');
    expect(lru.get('a')).toBeUndefined();
  });

  it('forgets every entry whose value matches', () => {
    const lru = new Lru<string, { user: string }>(5);
    lru.set('a', { user: 'u1' });
    lru.set('b', { user: 'u2' });
    lru.set('c', { user: 'u1' });
    lru.deleteWhere((value) => value.user === 'u1');
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([undefined, { user: 'u2' }, undefined]);
  });
});
