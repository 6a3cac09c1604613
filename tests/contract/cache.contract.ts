/**
 * The cache port contract: every adapter (Redis, in process) runs exactly these cases, unchanged,
 * and answers as Redis does for the commands the port offers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Cache, CacheWriter } from '../../gateways/cache/port.js';

export interface CacheFixture {
  cache: Cache;
  /** Another client on the same data, as another process would have (in process: the same one). */
  other: Cache;
  /** Closes the clients and removes every key the suite wrote. */
  teardown(): Promise<void>;
}

export type CacheFixtureFactory = () => Promise<CacheFixture>;

export function describeCacheContract(label: string, open: CacheFixtureFactory): void {
  describe(`cache contract: ${label}`, () => {
    let fixture: CacheFixture;
    let cache: Cache;
    /** A key space of its own for each test. */
    let ns: string;
    const k = (name: string) => `${ns}${name}`;
    const write = (writes: (writer: CacheWriter) => void, guard = k('guard')) =>
      cache.commit({ key: guard, expected: null, next: 'done' }, writes);
    const nowSeconds = () => Math.floor(Date.now() / 1000);

    beforeAll(async () => {
      fixture = await open();
      cache = fixture.cache;
    });
    afterAll(() => fixture.teardown());
    beforeEach(() => {
      ns = `ct:${randomBytes(5).toString('hex')}:`;
    });

    describe('commit with a guard', () => {
      it('commits when the guard key is absent and null was expected, then holds the next value', async () => {
        expect(await cache.commit({ key: k('cp'), expected: null, next: '1:1' }, (w) => w.set(k('a'), 'x'))).toBe(true);
        expect(await cache.get(k('cp'))).toBe('1:1');
        expect(await cache.get(k('a'))).toBe('x');
      });

      it('commits when the guard holds the expected value', async () => {
        await cache.commit({ key: k('cp'), expected: null, next: '1:1' }, () => undefined);
        expect(await cache.commit({ key: k('cp'), expected: '1:1', next: '2:1' }, (w) => w.incrBy(k('n'), 2))).toBe(true);
        expect(await cache.get(k('cp'))).toBe('2:1');
        expect(await cache.get(k('n'))).toBe('2');
      });

      it('applies multi-member writes as the single ones would, in order', async () => {
        await cache.commit({ key: k('cp'), expected: null, next: '1:1' }, (w) => {
          w.zIncrBy(k('zs'), 2, 'a');
          w.zIncrByMany(k('zs'), [
            { member: 'a', score: 3 },
            { member: 'b', score: 1 },
            { member: 'a', score: -1 },
          ]);
          w.zIncrByMany(k('zs1'), [{ member: 'only', score: 4 }]);
          w.zIncrByMany(k('zs0'), []);
          w.zAddMany(k('za'), [
            { member: 'x', score: 5 },
            { member: 'y', score: 7 },
            { member: 'x', score: 6 },
          ]);
          w.incrBy(k('c1'), 10);
          w.incrByMany([
            { key: k('c1'), by: 5 },
            { key: k('c2'), by: 2 },
            { key: k('c1'), by: -3 },
          ]);
          w.incrByMany([{ key: k('c3'), by: 9 }]);
          w.incrByMany([]);
        });
        expect(await cache.zRevRangeWithScores(k('zs'), 0, -1)).toEqual([
          { member: 'a', score: 4 },
          { member: 'b', score: 1 },
        ]);
        expect(await cache.zRevRangeWithScores(k('zs1'), 0, -1)).toEqual([{ member: 'only', score: 4 }]);
        expect(await cache.zRevRangeWithScores(k('zs0'), 0, -1)).toEqual([]);
        expect(await cache.zRevRangeWithScores(k('za'), 0, -1)).toEqual([
          { member: 'y', score: 7 },
          { member: 'x', score: 6 },
        ]);
        expect(await cache.mget([k('c1'), k('c2'), k('c3')])).toEqual(['12', '2', '9']);
      });

      it('commits a batch as large as a catching-up runner writes (thousands of members and keys)', async () => {
        const members = Array.from({ length: 5_000 }, (_, i) => ({ member: `m${i}`, score: i }));
        const committed = await cache.commit({ key: k('cp'), expected: null, next: '1:1' }, (w) => {
          w.zAddMany(k('big-add'), members);
          w.zIncrByMany(k('big-incr'), [...members, ...members]);
          w.incrByMany(members.map((m) => ({ key: k(`n:${m.member}`), by: m.score })));
          w.zRemRangeByRank(k('big-add'), 0, -101);
        });
        expect(committed).toBe(true);
        expect(await cache.zRevRangeWithScores(k('big-add'), 0, 1)).toEqual([
          { member: 'm4999', score: 4999 },
          { member: 'm4998', score: 4998 },
        ]);
        expect(await cache.zRevRangeWithScores(k('big-add'), 100, 100)).toEqual([]);
        expect(await cache.zScore(k('big-incr'), 'm1234')).toBe(2468);
        expect(await cache.mget([k('n:m0'), k('n:m4999')])).toEqual(['0', '4999']);
      });

      it('writes nothing of multi-member writes when the guard refuses', async () => {
        await cache.commit({ key: k('cp'), expected: null, next: '5:1' }, () => undefined);
        const refused = await cache.commit({ key: k('cp'), expected: '4:1', next: '6:1' }, (w) => {
          w.zIncrByMany(k('m1'), [{ member: 'a', score: 1 }, { member: 'b', score: 1 }]);
          w.zAddMany(k('m2'), [{ member: 'a', score: 1 }]);
          w.incrByMany([{ key: k('m3'), by: 1 }, { key: k('m4'), by: 1 }]);
        });
        expect(refused).toBe(false);
        expect(await cache.mget([k('m3'), k('m4')])).toEqual([null, null]);
        expect(await cache.zRevRangeWithScores(k('m1'), 0, -1)).toEqual([]);
        expect(await cache.zRevRangeWithScores(k('m2'), 0, -1)).toEqual([]);
      });

      it('refuses, writing nothing, when the guard holds another value or null was expected of a present key', async () => {
        await cache.commit({ key: k('cp'), expected: null, next: '5:1' }, () => undefined);
        const writes = (w: CacheWriter) => {
          w.set(k('s'), 'x');
          w.incrBy(k('n'), 1);
          w.zIncrBy(k('z'), 1, 'm');
          w.zAdd(k('z2'), 1, 'm');
        };
        expect(await cache.commit({ key: k('cp'), expected: '4:1', next: '6:1' }, writes)).toBe(false);
        expect(await cache.commit({ key: k('cp'), expected: null, next: '6:1' }, writes)).toBe(false);
        expect(await cache.commit({ key: k('absent'), expected: '1:1', next: '6:1' }, writes)).toBe(false);
        expect(await cache.get(k('cp'))).toBe('5:1');
        expect(await cache.get(k('absent'))).toBeNull();
        expect(await cache.mget([k('s'), k('n')])).toEqual([null, null]);
        expect(await cache.zRevRangeWithScores(k('z'), 0, -1)).toEqual([]);
        expect(await cache.zRevRangeWithScores(k('z2'), 0, -1)).toEqual([]);
      });

      it('lets exactly one of several concurrent commits with the same expected value win, from any client', async () => {
        await cache.commit({ key: k('cp'), expected: null, next: 'start' }, () => undefined);
        const clients = [cache, fixture.other];
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            clients[i % 2]!.commit({ key: k('cp'), expected: 'start', next: `by-${i}` }, (w) => {
              w.set(k(`mark-${i}`), 'x');
              w.incrBy(k('n'), 1);
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await cache.get(k('cp'))).toBe(`by-${winner}`);
        expect(await cache.get(k('n'))).toBe('1');
        const marks = await cache.mget(Array.from({ length: 8 }, (_, i) => k(`mark-${i}`)));
        expect(marks).toEqual(Array.from({ length: 8 }, (_, i) => (i === winner ? 'x' : null)));
      });

      it('writes nothing and leaves the guard when the writes callback throws', async () => {
        const poison = new Error('poison event');
        const commit = cache.commit({ key: k('cp'), expected: null, next: '1:1' }, (w) => {
          w.set(k('a'), 'x');
          w.zIncrBy(k('z'), 1, 'm');
          throw poison;
        });
        await expect(commit).rejects.toBe(poison);
        expect(await cache.get(k('cp'))).toBeNull();
        expect(await cache.get(k('a'))).toBeNull();
        expect(await cache.zRevRangeWithScores(k('z'), 0, -1)).toEqual([]);
        // The client is still usable.
        expect(await cache.commit({ key: k('cp'), expected: null, next: '1:1' }, (w) => w.set(k('a'), 'y'))).toBe(true);
        expect(await cache.get(k('a'))).toBe('y');
      });

      it('rejects a commit with a command that fails (WRONGTYPE), without undoing the others, as EXEC does', async () => {
        await write((w) => w.set(k('s'), 'text'));
        const commit = cache.commit({ key: k('cp'), expected: null, next: '1:1' }, (w) => {
          w.set(k('before'), 'x');
          w.zIncrBy(k('s'), 1, 'm');
          w.incrBy(k('after'), 1);
        });
        await expect(commit).rejects.toThrow();
        expect(await cache.mget([k('before'), k('s'), k('after'), k('cp')])).toEqual(['x', 'text', '1', '1:1']);
      });

      it('applies the writes in the order they were queued', async () => {
        await write((w) => {
          w.set(k('a'), '1');
          w.del(k('a'));
          w.del(k('b'));
          w.set(k('b'), '2');
          w.incrBy(k('c'), 5);
          w.del(k('c'));
          w.incrBy(k('c'), 1);
        });
        expect(await cache.mget([k('a'), k('b'), k('c')])).toEqual([null, '2', '1']);
      });
    });

    describe('writer commands', () => {
      it('set overwrites, del removes strings and sorted sets, and del of a missing key is harmless', async () => {
        await write((w) => {
          w.set(k('s'), 'one');
          w.set(k('s'), 'two');
          w.set(k('gone'), 'x');
          w.zAdd(k('z'), 1, 'm');
        });
        await write((w) => {
          w.del(k('gone'));
          w.del(k('z'));
          w.del(k('never'));
        }, k('guard2'));
        expect(await cache.get(k('s'))).toBe('two');
        expect(await cache.get(k('gone'))).toBeNull();
        expect(await cache.zRevRangeWithScores(k('z'), 0, -1)).toEqual([]);
        expect(await cache.zScore(k('z'), 'm')).toBeNull();
      });

      it('incrBy counts from 0, adds, and subtracts', async () => {
        await write((w) => {
          w.incrBy(k('n'), 3);
          w.incrBy(k('n'), 4);
          w.incrBy(k('m'), -2);
          w.set(k('p'), '10');
          w.incrBy(k('p'), 5);
        });
        expect(await cache.mget([k('n'), k('m'), k('p')])).toEqual(['7', '-2', '15']);
      });

      it('zIncrBy creates members and adds to their score; zAdd sets the score', async () => {
        await write((w) => {
          w.zIncrBy(k('z'), 2, 'a');
          w.zIncrBy(k('z'), 3, 'a');
          w.zIncrBy(k('z'), 0.5, 'b');
          w.zAdd(k('z'), 7, 'c');
          w.zAdd(k('z'), 1, 'c');
          w.zIncrBy(k('z'), -1, 'c');
        });
        expect(await cache.zRevRangeWithScores(k('z'), 0, -1)).toEqual([
          { member: 'a', score: 5 },
          { member: 'b', score: 0.5 },
          { member: 'c', score: 0 },
        ]);
        expect(await cache.zScore(k('z'), 'a')).toBe(5);
        expect(await cache.zScore(k('z'), 'nobody')).toBeNull();
        expect(await cache.zScore(k('nothing'), 'a')).toBeNull();
      });

      it('keeps infinite scores', async () => {
        await write((w) => {
          w.zAdd(k('z'), Number.POSITIVE_INFINITY, 'top');
          w.zAdd(k('z'), Number.NEGATIVE_INFINITY, 'bottom');
          w.zAdd(k('z'), 0, 'middle');
        });
        expect(await cache.zRevRangeWithScores(k('z'), 0, -1)).toEqual([
          { member: 'top', score: Number.POSITIVE_INFINITY },
          { member: 'middle', score: 0 },
          { member: 'bottom', score: Number.NEGATIVE_INFINITY },
        ]);
        expect(await cache.zScore(k('z'), 'top')).toBe(Number.POSITIVE_INFINITY);
        expect(await cache.zUnionRevRange([k('z')], 0, 0)).toEqual([{ member: 'top', score: Number.POSITIVE_INFINITY }]);
      });

      it('zRemRangeByRank removes by ascending rank, with negative indexes counted from the end', async () => {
        const five = (w: CacheWriter, key: string) => ['a', 'b', 'c', 'd', 'e'].forEach((m, i) => w.zAdd(key, i + 1, m));
        await write((w) => {
          for (const key of ['low', 'high', 'mid', 'none', 'all', 'past', 'empty']) five(w, k(key));
          w.zRemRangeByRank(k('low'), 0, 1); // the two lowest
          w.zRemRangeByRank(k('high'), -2, -1); // the two highest
          w.zRemRangeByRank(k('mid'), 1, -2); // all but the ends
          w.zRemRangeByRank(k('none'), 3, 1); // start after stop: nothing
          w.zRemRangeByRank(k('all'), 0, -1);
          w.zRemRangeByRank(k('past'), 5, 10); // beyond the end: nothing
          w.zRemRangeByRank(k('empty'), -100, 100);
          w.zRemRangeByRank(k('missing'), 0, -1);
        });
        const members = async (key: string) => (await cache.zRevRangeWithScores(k(key), 0, -1)).map((m) => m.member).join('');
        expect(await members('low')).toBe('edc');
        expect(await members('high')).toBe('cba');
        expect(await members('mid')).toBe('ea');
        expect(await members('none')).toBe('edcba');
        expect(await members('all')).toBe('');
        expect(await members('past')).toBe('edcba');
        expect(await members('empty')).toBe('');
        expect(await members('missing')).toBe('');
      });

      it('keeps the N highest with zRemRangeByRank(0, -N-1), ties ranked by member', async () => {
        await write((w) => {
          for (const m of ['a', 'b', 'c', 'd']) w.zAdd(k('z'), 1, m);
          w.zAdd(k('z'), 0, 'z');
          w.zRemRangeByRank(k('z'), 0, -3);
        });
        expect(await cache.zRevRangeWithScores(k('z'), 0, -1)).toEqual([
          { member: 'd', score: 1 },
          { member: 'c', score: 1 },
        ]);
      });

      it('expireAt in the past deletes the key at once; in the future keeps it', async () => {
        const past = nowSeconds() - 60;
        const future = nowSeconds() + 3600;
        await write((w) => {
          w.set(k('s-past'), 'x');
          w.zIncrBy(k('z-past'), 1, 'm');
          w.set(k('s-future'), 'y');
          w.zIncrBy(k('z-future'), 1, 'm');
          w.expireAt(k('s-past'), past);
          w.expireAt(k('z-past'), past);
          w.expireAt(k('s-future'), future);
          w.expireAt(k('z-future'), future);
          w.expireAt(k('missing'), future);
          // Written again after it expired: a new key, deleted again by the same expiry.
          w.zIncrBy(k('z-again'), 1, 'm');
          w.expireAt(k('z-again'), past);
          w.zIncrBy(k('z-again'), 1, 'n');
          w.expireAt(k('z-again'), past);
          // Written again after it expired, without an expiry: it lives.
          w.zIncrBy(k('z-reborn'), 1, 'm');
          w.expireAt(k('z-reborn'), past);
          w.zIncrBy(k('z-reborn'), 2, 'n');
        });
        expect(await cache.mget([k('s-past'), k('s-future'), k('missing')])).toEqual([null, 'y', null]);
        expect(await cache.zRevRangeWithScores(k('z-past'), 0, -1)).toEqual([]);
        expect(await cache.zRevRangeWithScores(k('z-future'), 0, -1)).toEqual([{ member: 'm', score: 1 }]);
        expect(await cache.zRevRangeWithScores(k('z-again'), 0, -1)).toEqual([]);
        expect(await cache.zRevRangeWithScores(k('z-reborn'), 0, -1)).toEqual([{ member: 'n', score: 2 }]);
        // Expired keys are gone for deleteByPrefix too: left are the guard, s-future, z-future and z-reborn.
        expect(await cache.deleteByPrefix(k(''))).toBe(4);
      });

      it('expires keys when their time comes; set and deletion drop an expiry, incrBy and zIncrBy keep it', async () => {
        const at = nowSeconds() + 2;
        await write((w) => {
          for (const key of ['plain', 'set-again', 'incr', 'zincr', 'emptied', 'deleted']) w.incrBy(k(key), 1);
          w.del(k('zincr'));
          w.zIncrBy(k('zincr'), 1, 'm');
          w.del(k('emptied'));
          w.zAdd(k('emptied'), 1, 'm');
          for (const key of ['plain', 'set-again', 'incr', 'zincr', 'emptied', 'deleted']) w.expireAt(k(key), at);
        });
        await write((w) => {
          w.set(k('set-again'), 'kept');
          w.incrBy(k('incr'), 1);
          w.zIncrBy(k('zincr'), 1, 'm');
          // A sorted set emptied by zRemRangeByRank is deleted, and its expiry with it.
          w.zRemRangeByRank(k('emptied'), 0, -1);
          w.zAdd(k('emptied'), 2, 'n');
          w.del(k('deleted'));
          w.incrBy(k('deleted'), 5);
        }, k('guard2'));
        expect(await cache.get(k('incr'))).toBe('2');
        expect(await cache.zScore(k('zincr'), 'm')).toBe(2);
        while (Date.now() <= at * 1000 + 150) await new Promise((r) => setTimeout(r, 50));
        expect(await cache.mget([k('plain'), k('set-again'), k('incr'), k('deleted')])).toEqual([null, 'kept', null, '5']);
        expect(await cache.zRevRangeWithScores(k('zincr'), 0, -1)).toEqual([]);
        expect(await cache.zRevRangeWithScores(k('emptied'), 0, -1)).toEqual([{ member: 'n', score: 2 }]);
      });
    });

    describe('reads', () => {
      it('get and mget answer null for missing keys and for keys that are not strings', async () => {
        await write((w) => {
          w.set(k('a'), 'A');
          w.incrBy(k('n'), 12);
          w.zAdd(k('z'), 1, 'm');
        });
        expect(await cache.get(k('a'))).toBe('A');
        expect(await cache.get(k('missing'))).toBeNull();
        expect(await cache.mget([k('a'), k('missing'), k('n'), k('z'), k('a')])).toEqual(['A', null, '12', null, 'A']);
        expect(await cache.mget([])).toEqual([]);
      });

      it('zRevRangeWithScores ranks highest first, with inclusive and negative ranges like ZREVRANGE', async () => {
        await write((w) => ['a', 'b', 'c', 'd', 'e'].forEach((m, i) => w.zAdd(k('z'), (i + 1) * 10, m)));
        const range = async (start: number, stop: number) =>
          (await cache.zRevRangeWithScores(k('z'), start, stop)).map((m) => `${m.member}${m.score}`).join(' ');
        expect(await range(0, -1)).toBe('e50 d40 c30 b20 a10');
        expect(await range(0, 1)).toBe('e50 d40');
        expect(await range(1, 3)).toBe('d40 c30 b20');
        expect(await range(-2, -1)).toBe('b20 a10');
        expect(await range(-100, 0)).toBe('e50');
        expect(await range(3, 100)).toBe('b20 a10');
        expect(await range(2, 1)).toBe('');
        expect(await range(5, 10)).toBe('');
        expect(await range(-1, -2)).toBe('');
        expect(await cache.zRevRangeWithScores(k('missing'), 0, -1)).toEqual([]);
      });

      it('orders equal scores by member, descending, comparing bytes as Redis does', async () => {
        // U+FFFD sorts after U+E000 and before U+1F3B5 in UTF-8 (and code points), not in UTF-16 units.
        const members = ['b', 'a', 'ab', 'B', '10', '9', '\u{1F3B5}', '\uFFFD', '\uE000'];
        await write((w) => {
          for (const m of members) w.zAdd(k('z'), 1, m);
          w.zAdd(k('z'), 2, 'top');
          for (const m of members) w.zAdd(k('y'), 0.5, m);
        });
        const expected = ['top', '\u{1F3B5}', '\uFFFD', '\uE000', 'b', 'ab', 'a', 'B', '9', '10'];
        expect((await cache.zRevRangeWithScores(k('z'), 0, -1)).map((m) => m.member)).toEqual(expected);
        expect((await cache.zRevRangeWithScores(k('z'), 1, 3)).map((m) => m.member)).toEqual(expected.slice(1, 4));
        expect((await cache.zUnionRevRange([k('z'), k('y')], 0, -1)).map((m) => m.member)).toEqual(expected);
      });

      it('zUnionRevRange sums several sorted sets, missing ones counting as empty, ranked like ZREVRANGE', async () => {
        await write((w) => {
          w.zAdd(k('d1'), 3, 'a');
          w.zAdd(k('d1'), 1, 'b');
          w.zAdd(k('d2'), 2, 'b');
          w.zAdd(k('d2'), 5, 'c');
          w.zAdd(k('d3'), 1, 'a');
          w.zAdd(k('d3'), 1, 'd');
        });
        const keys = [k('d1'), k('d2'), k('d3'), k('missing')];
        expect(await cache.zUnionRevRange(keys, 0, -1)).toEqual([
          { member: 'c', score: 5 },
          { member: 'a', score: 4 },
          { member: 'b', score: 3 },
          { member: 'd', score: 1 },
        ]);
        expect((await cache.zUnionRevRange(keys, 1, 2)).map((m) => m.member)).toEqual(['a', 'b']);
        expect((await cache.zUnionRevRange(keys, -2, -1)).map((m) => m.member)).toEqual(['b', 'd']);
        expect(await cache.zUnionRevRange(keys, 4, 10)).toEqual([]);
        expect(await cache.zUnionRevRange([k('missing'), k('nothing')], 0, -1)).toEqual([]);
        expect(await cache.zUnionRevRange([], 0, -1)).toEqual([]);
        // The sets themselves are untouched.
        expect(await cache.zRevRangeWithScores(k('d1'), 0, -1)).toEqual([
          { member: 'a', score: 3 },
          { member: 'b', score: 1 },
        ]);
      });
    });

    describe('window counts', () => {
      it('hit counts within a window shared by every client, reads with 0, and tells when the window ends', async () => {
        expect(await cache.hit(k('w'), 60)).toEqual({ count: 1, resetInSeconds: expect.any(Number) });
        expect((await fixture.other.hit(k('w'), 60)).count).toBe(2);
        const read = await cache.hit(k('w'), 60, 0);
        expect(read.count).toBe(2);
        expect(read.resetInSeconds).toBeGreaterThanOrEqual(1);
        expect(read.resetInSeconds).toBeLessThanOrEqual(60);
        expect((await cache.hit(k('other'), 60, 0)).count).toBe(0);
      });

      it('hitMany counts several keys in one call, each by its own amount, in the windows hit uses', async () => {
        await cache.hit(k('m1'), 60, 5);
        const counts = await cache.hitMany(
          [
            { key: k('m1'), by: 2 },
            { key: k('m2'), by: 3 },
            { key: k('m3'), by: 0 },
          ],
          60,
        );
        expect(counts.map((c) => c.count)).toEqual([7, 3, 0]);
        for (const c of counts) expect(c.resetInSeconds).toBeGreaterThanOrEqual(1);
        expect((await fixture.other.hit(k('m2'), 60, 0)).count).toBe(3);
        expect(await cache.hitMany([], 60)).toEqual([]);
      });

      it('hitMany answers thousands of keys in order (a busy node flushing every user at once)', async () => {
        const hits = Array.from({ length: 2_500 }, (_, i) => ({ key: k(`many-${i}`), by: i % 7 }));
        const counts = await cache.hitMany(hits, 60);
        expect(counts.map((c) => c.count)).toEqual(hits.map((h) => h.by));
        expect((await cache.hit(k('many-2499'), 60, 0)).count).toBe(2499 % 7);
      });

      it('a window starts again once it has ended', async () => {
        await cache.hit(k('short'), 1);
        await cache.hit(k('short'), 1);
        await new Promise((r) => setTimeout(r, 2_100));
        expect((await cache.hit(k('short'), 1)).count).toBe(1);
      });
    });

    describe('administration', () => {
      it('deleteByPrefix deletes exactly the keys under the prefix, read literally, and counts them', async () => {
        await write((w) => {
          w.set(k('p*[x]?:a'), '1');
          w.zAdd(k('p*[x]?:b'), 1, 'm');
          w.incrBy(k('p*[x]?:c:d'), 1);
          w.set(k('p*[x]?'), 'the prefix itself is under it');
          w.set(k('pa[x]b:a'), 'a glob would match this');
          w.set(k('q:a'), 'other');
          w.set(k('p'), 'shorter');
        });
        expect(await cache.deleteByPrefix(k('p*[x]?'))).toBe(4);
        expect(await cache.mget([k('p*[x]?:a'), k('p*[x]?:c:d'), k('p*[x]?'), k('pa[x]b:a'), k('q:a'), k('p')])).toEqual([
          null,
          null,
          null,
          'a glob would match this',
          'other',
          'shorter',
        ]);
        expect(await cache.zRevRangeWithScores(k('p*[x]?:b'), 0, -1)).toEqual([]);
        expect(await cache.deleteByPrefix(k('nothing-here'))).toBe(0);
      });

      it('answers ping', async () => {
        await expect(cache.ping()).resolves.toBeUndefined();
      });
    });
  });
}
