/** The cache port on Redis (ioredis). */
import { randomUUID } from 'node:crypto';
import { Redis, ReplyError } from 'ioredis';
import type { Logger } from 'pino';
import { CacheUnavailableError, CacheWriteError, type Cache, type CacheGuard, type CacheWriter, type ScoredMember, type WindowCount } from './port.js';

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key (tests isolate themselves with it). */
  keyPrefix?: string;
  logger?: Logger;
}

/** ZINCRBY for each (increment, member) pair of ARGV, as one command. */
const ZINCRBY_MANY = `for i = 1, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end return #ARGV / 2`;
/** INCRBY KEYS[i] ARGV[i] for each key, as one command (the keys are declared: cluster- and prefix-safe). */
const INCRBY_MANY = `for i = 1, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[i]) end return #KEYS`;

export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly client: Redis;
  /** WATCH is per connection: guarded commits run one at a time on a connection of their own. */
  private readonly guarded: Redis;
  private commitQueue: Promise<unknown> = Promise.resolve();
  private readonly prefix: string;

  constructor(options: RedisCacheOptions) {
    this.prefix = options.keyPrefix ?? '';
    const settings = { keyPrefix: this.prefix, maxRetriesPerRequest: 3, lazyConnect: false };
    this.client = new Redis(options.url, settings);
    this.guarded = new Redis(options.url, settings);
    for (const connection of [this.client, this.guarded]) {
      connection.on('error', (error) => options.logger?.warn({ err: error }, 'redis: connection error'));
    }
  }

  commit(guard: CacheGuard, writes: (writer: CacheWriter) => void): Promise<boolean> {
    const run = this.commitQueue.then(() => this.commitNow(guard, writes));
    this.commitQueue = run.catch(() => undefined);
    return run;
  }

  private async commitNow(guard: CacheGuard, writes: (writer: CacheWriter) => void): Promise<boolean> {
    const connection = this.guarded;
    await reachable(() => connection.watch(guard.key));
    try {
      const current = await reachable(() => connection.get(guard.key));
      if (current !== guard.expected) {
        await reachable(() => connection.unwatch());
        return false;
      }
      const multi = connection.multi();
      writes({
        set: (key, value) => void multi.set(key, value),
        del: (key) => void multi.del(key),
        incrBy: (key, by) => void multi.incrby(key, by),
        zIncrBy: (key, by, member) => void multi.zincrby(key, by, member),
        zAdd: (key, score, member) => void multi.zadd(key, score, member),
        zIncrByMany: (key, increments) => {
          if (increments.length === 1) return void multi.zincrby(key, increments[0]!.score, increments[0]!.member);
          if (increments.length > 0) void multi.eval(ZINCRBY_MANY, 1, key, ...increments.flatMap((i) => [i.score, i.member]));
        },
        zAddMany: (key, members) => {
          if (members.length > 0) void multi.zadd(key, ...members.flatMap((m) => [m.score, m.member]));
        },
        incrByMany: (increments) => {
          if (increments.length === 1) return void multi.incrby(increments[0]!.key, increments[0]!.by);
          if (increments.length > 0) void multi.eval(INCRBY_MANY, increments.length, ...increments.map((i) => i.key), ...increments.map((i) => i.by));
        },
        zRemRangeByRank: (key, start, stop) => void multi.zremrangebyrank(key, start, stop),
        expireAt: (key, unixSeconds) => void multi.expireat(key, unixSeconds),
      });
      multi.set(guard.key, guard.next);
      const results = await reachable(() => multi.exec());
      if (results === null) return false; // the guard key changed under WATCH
      const failed = results.find(([error]) => error);
      if (failed) throw new CacheWriteError(`a command of the batch failed: ${failed[0]!.message}`, { cause: failed[0] });
      return true;
    } catch (error) {
      await connection.unwatch().catch(() => undefined);
      throw error;
    }
  }

  get(key: string): Promise<string | null> {
    return reachable(() => this.client.get(key));
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.length === 0 ? [] : reachable(() => this.client.mget(...keys));
  }

  async zRevRangeWithScores(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    return pairs(await reachable(() => this.client.zrevrange(key, start, stop, 'WITHSCORES')));
  }

  async zUnionRevRange(keys: readonly string[], start: number, stop: number): Promise<ScoredMember[]> {
    if (keys.length === 0) return [];
    // Summed on the server into a key that exists only inside this MULTI/EXEC, so that only the
    // ranks asked for cross the network (ZUNION would send the whole union: every track of a week).
    const temp = `chorus:tmp:zunion:${randomUUID()}`;
    const results = await reachable(() =>
      this.client.multi().zunionstore(temp, keys.length, ...keys).zrevrange(temp, start, stop, 'WITHSCORES').unlink(temp).exec(),
    );
    if (results === null) throw new Error('redis: ZUNIONSTORE transaction was aborted');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
    return pairs(results[1]![1] as string[]);
  }

  async zScore(key: string, member: string): Promise<number | null> {
    const score = await reachable(() => this.client.zscore(key, member));
    return score === null ? null : parseScore(score);
  }

  async hit(key: string, windowSeconds: number, by = 1): Promise<WindowCount> {
    const results = await reachable(() => this.client.multi().set(key, '0', 'EX', windowSeconds, 'NX').incrby(key, by).ttl(key).exec());
    if (results === null) throw new Error('redis: the window count transaction was aborted');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
    return { count: Number(results[1]![1]), resetInSeconds: Math.max(1, Number(results[2]![1])) };
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    // SCAN patterns are not prefixed by ioredis; UNLINK's keys are, so strip it back off.
    const pattern = `${escapeGlob(this.prefix + prefix)}*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await this.client.unlink(...keys.map((k) => k.slice(this.prefix.length)));
    } while (cursor !== '0');
    return deleted;
  }

  async ping(): Promise<void> {
    await reachable(() => this.client.ping());
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.client.quit(), this.guarded.quit()]);
  }
}

/** Redis's own errors (ReplyError) pass; anything else means it cannot be reached. */
async function reachable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ReplyError || error instanceof CacheWriteError) throw error;
    throw new CacheUnavailableError(`redis: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function pairs(flat: string[]): ScoredMember[] {
  const out: ScoredMember[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i]!, score: parseScore(flat[i + 1]!) });
  return out;
}

/** Redis writes infinite scores as "inf" and "-inf", which Number() does not read. */
function parseScore(text: string): number {
  if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
