import { describe, expect, it } from 'vitest';
import { RecentFanout } from './recent-fanout.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('recent fan-out', () => {
  it('gives back the updates of one document, oldest first', () => {
    const recent = new RecentFanout(1_000, 1 << 20, () => 0);
    recent.add('a', bytes(1, 1));
    recent.add('b', bytes(1, 2));
    recent.add('a', bytes(1, 3));
    expect(recent.updatesOf('a').map((u) => u[0])).toEqual([1, 3]);
    expect(recent.updatesOf('c')).toEqual([]);
  });

  it('drops updates older than its age', () => {
    let now = 0;
    const recent = new RecentFanout(1_000, 1 << 20, () => now);
    recent.add('a', bytes(10));
    now = 600;
    recent.add('a', bytes(10, 2));
    now = 1_200;
    expect(recent.updatesOf('a').map((u) => u[0])).toEqual([2]);
    expect(recent.size).toEqual({ updates: 1, bytes: 10 });
  });

  it('holds at most its bytes, dropping the oldest first', () => {
    const recent = new RecentFanout(60_000, 100, () => 0);
    for (let i = 0; i < 50; i += 1) recent.add(`p${i % 3}`, bytes(10, i));
    expect(recent.size.bytes).toBeLessThanOrEqual(100);
    expect(recent.size.updates).toBe(10);
    expect(recent.updatesOf('p1').map((u) => u[0])).toEqual([40, 43, 46, 49]);
  });

  it('stays bounded over many updates', () => {
    let now = 0;
    const recent = new RecentFanout(100, 1 << 20, () => now);
    for (let i = 0; i < 100_000; i += 1) {
      now = i;
      recent.add('a', bytes(1));
    }
    expect(recent.size.updates).toBeLessThanOrEqual(101);
  });
});
