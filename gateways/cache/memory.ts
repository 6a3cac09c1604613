/**
 * The cache port served in process, for embedded mode and nothing else: one process, data lost
 * on restart (projections rebuild it from the event store, because their checkpoints live in it
 * too). Semantics follow Redis for the commands the port offers.
 */
import { CacheWriteError, type Cache, type CacheGuard, type CacheWriter, type ScoredMember, type WindowCount } from './port.js';
import { compareMembers } from './member-order.js';

type Value = { kind: 'string'; value: string } | { kind: 'zset'; members: Map<string, number> };

export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly data = new Map<string, Value>();
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): Value | undefined {
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry <= this.now()) {
      this.data.delete(key);
      this.expiries.delete(key);
      return undefined;
    }
    return this.data.get(key);
  }

  private zset(key: string): Map<string, number> {
    const value = this.live(key);
    if (value === undefined) {
      const members = new Map<string, number>();
      this.data.set(key, { kind: 'zset', members });
      return members;
    }
    if (value.kind !== 'zset') throw new Error(`WRONGTYPE ${key} is not a sorted set`);
    return value.members;
  }

  private readonly writer: CacheWriter = {
    set: (key, value) => {
      this.data.set(key, { kind: 'string', value });
      this.expiries.delete(key);
    },
    del: (key) => {
      this.data.delete(key);
      this.expiries.delete(key);
    },
    incrBy: (key, by) => {
      const current = this.live(key);
      if (current !== undefined && current.kind !== 'string') throw new Error(`WRONGTYPE ${key} is not a string`);
      const next = Number(current?.value ?? '0') + by;
      this.data.set(key, { kind: 'string', value: String(next) });
    },
    zIncrBy: (key, by, member) => {
      const members = this.zset(key);
      members.set(member, (members.get(member) ?? 0) + by);
    },
    zAdd: (key, score, member) => {
      this.zset(key).set(member, score);
    },
    zIncrByMany: (key, increments) => {
      for (const { member, score } of increments) this.writer.zIncrBy(key, score, member);
    },
    zAddMany: (key, members) => {
      for (const { member, score } of members) this.writer.zAdd(key, score, member);
    },
    incrByMany: (increments) => {
      for (const { key, by } of increments) this.writer.incrBy(key, by);
    },
    zRemRangeByRank: (key, start, stop) => {
      const value = this.live(key);
      if (value?.kind !== 'zset') return;
      const sorted = ascending(value.members);
      const [from, to] = clampRange(sorted.length, start, stop);
      for (let i = from; i <= to; i += 1) value.members.delete(sorted[i]!.member);
      // An emptied sorted set no longer exists, and its expiry goes with it (as in Redis).
      if (value.members.size === 0) {
        this.data.delete(key);
        this.expiries.delete(key);
      }
    },
    expireAt: (key, unixSeconds) => {
      if (this.live(key) !== undefined) this.expiries.set(key, unixSeconds * 1000);
    },
  };

  async commit(guard: CacheGuard, writes: (writer: CacheWriter) => void): Promise<boolean> {
    const current = this.live(guard.key);
    const value = current?.kind === 'string' ? current.value : null;
    if (value !== guard.expected) return false;
    // As MULTI does, queue first: when `writes` throws, nothing has been written.
    const queued: Array<() => void> = [];
    const run = this.writer;
    writes({
      set: (key, v) => void queued.push(() => run.set(key, v)),
      del: (key) => void queued.push(() => run.del(key)),
      incrBy: (key, by) => void queued.push(() => run.incrBy(key, by)),
      zIncrBy: (key, by, member) => void queued.push(() => run.zIncrBy(key, by, member)),
      zAdd: (key, score, member) => void queued.push(() => run.zAdd(key, score, member)),
      zIncrByMany: (key, increments) => void queued.push(() => run.zIncrByMany(key, [...increments])),
      zAddMany: (key, members) => void queued.push(() => run.zAddMany(key, [...members])),
      incrByMany: (increments) => void queued.push(() => run.incrByMany([...increments])),
      zRemRangeByRank: (key, start, stop) => void queued.push(() => run.zRemRangeByRank(key, start, stop)),
      expireAt: (key, unixSeconds) => void queued.push(() => run.expireAt(key, unixSeconds)),
    });
    // As EXEC does, a command that fails (WRONGTYPE) does not undo the others and the guard still
    // moves; the commit then rejects with the first failure. The read models never mix types on
    // one key.
    const failures: unknown[] = [];
    for (const command of queued) {
      try {
        command();
      } catch (error) {
        failures.push(error);
      }
    }
    run.set(guard.key, guard.next);
    if (failures.length > 0) {
      const first = failures[0];
      throw new CacheWriteError(`a command of the batch failed: ${first instanceof Error ? first.message : String(first)}`, { cause: first });
    }
    return true;
  }

  private hitsSinceSweep = 0;

  async hit(key: string, windowSeconds: number, by = 1): Promise<WindowCount> {
    // Window keys are many (one per address) and read rarely: drop the expired ones now and then.
    if (++this.hitsSinceSweep >= 1_000) {
      this.hitsSinceSweep = 0;
      for (const k of [...this.expiries.keys()]) this.live(k);
    }
    if (this.live(key) === undefined) {
      this.writer.set(key, '0');
      this.expiries.set(key, this.now() + windowSeconds * 1000);
    }
    this.writer.incrBy(key, by);
    const count = Number((this.live(key) as { value: string }).value);
    return { count, resetInSeconds: Math.max(1, Math.ceil((this.expiries.get(key)! - this.now()) / 1000)) };
  }

  async hitMany(hits: ReadonlyArray<{ key: string; by: number }>, windowSeconds: number): Promise<WindowCount[]> {
    const counts: WindowCount[] = [];
    for (const { key, by } of hits) counts.push(await this.hit(key, windowSeconds, by));
    return counts;
  }

  async get(key: string): Promise<string | null> {
    const value = this.live(key);
    return value?.kind === 'string' ? value.value : null;
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async zRevRangeWithScores(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    const value = this.live(key);
    if (value?.kind !== 'zset') return [];
    return sliceRange(descending(value.members), start, stop);
  }

  async zUnionRevRange(keys: readonly string[], start: number, stop: number): Promise<ScoredMember[]> {
    const sum = new Map<string, number>();
    for (const key of keys) {
      const value = this.live(key);
      if (value?.kind !== 'zset') continue;
      for (const [member, score] of value.members) sum.set(member, (sum.get(member) ?? 0) + score);
    }
    return sliceRange(descending(sum), start, stop);
  }

  async zScore(key: string, member: string): Promise<number | null> {
    const value = this.live(key);
    return value?.kind === 'zset' ? (value.members.get(member) ?? null) : null;
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for (const key of [...this.data.keys()]) {
      if (key.startsWith(prefix) && this.live(key) !== undefined) {
        this.data.delete(key);
        this.expiries.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.data.clear();
    this.expiries.clear();
  }
}

/** Redis orders equal scores by member, comparing bytes (UTF-8). */
function ascending(members: Map<string, number>): ScoredMember[] {
  return [...members].map(([member, score]) => ({ member, score })).sort((a, b) => compareScores(a.score, b.score) || compareMembers(a.member, b.member));
}

/** Like `a - b`, but equal infinities compare equal (Infinity - Infinity is NaN). */
function compareScores(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


function descending(members: Map<string, number>): ScoredMember[] {
  return ascending(members).reverse();
}

function clampRange(length: number, start: number, stop: number): [number, number] {
  const from = Math.max(start < 0 ? length + start : start, 0);
  const to = Math.min(stop < 0 ? length + stop : stop, length - 1);
  return [from, to];
}

function sliceRange(sorted: ScoredMember[], start: number, stop: number): ScoredMember[] {
  const [from, to] = clampRange(sorted.length, start, stop);
  return from > to ? [] : sorted.slice(from, to + 1);
}
