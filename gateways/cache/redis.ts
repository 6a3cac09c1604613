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

/**
 * A guarded batch as one script: if KEYS[1] (the guard) holds ARGV[3] (or, with ARGV[2] = '0', does
 * not exist), runs the batch's commands and sets the guard to ARGV[1]; else writes nothing and
 * answers 0. The commands are ARGV[4], a JSON array of strings: for each command its name, its
 * key's index into KEYS, its arguments per call, its calls, then the calls' arguments (so a sorted
 * set's many members are one entry: ZINCRBY over pairs). One JSON string instead of an argument
 * each: the node encodes a batch of thousands of members in one native call, and Redis decodes it
 * in C. A command that fails (WRONGTYPE) does not stop the others, as inside EXEC; the guard is
 * still set and the first error is answered ('ERR: ...'). Redis runs a script atomically, so no
 * WATCH (one connection, one commit at a time) and one round trip instead of four.
 */
const GUARDED_BATCH = `
local current = redis.call('GET', KEYS[1])
if ARGV[2] == '0' then
  if current then return 0 end
elseif current ~= ARGV[3] then
  return 0
end
local ops = cjson.decode(ARGV[4])
local failed = nil
local i = 1
local n = #ops
while i <= n do
  local command, key, arity, calls = ops[i], KEYS[tonumber(ops[i + 1])], tonumber(ops[i + 2]), tonumber(ops[i + 3])
  i = i + 4
  for _ = 1, calls do
    local reply = redis.pcall(command, key, unpack(ops, i, i + arity - 1))
    if type(reply) == 'table' and reply.err and not failed then failed = reply.err end
    i = i + arity
  end
end
redis.call('SET', KEYS[1], ARGV[1])
if failed then return 'ERR: ' .. failed end
return 1`;

/**
 * Window counts (Cache#hit) for every key of KEYS, ARGV[1] the window's seconds and ARGV[i + 1] what
 * to add to KEYS[i]: each key starts at 0 with the window as its expiry (SET NX EX), then INCRBY and
 * TTL. Answers count and seconds left per key, flat. One command for any number of keys.
 */
const WINDOW_HITS = `
local out = {}
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], '0', 'EX', ARGV[1], 'NX')
  out[2 * i - 1] = redis.call('INCRBY', KEYS[i], ARGV[i + 1])
  out[2 * i] = redis.call('TTL', KEYS[i])
end
return out`;

/** Keys per WINDOW_HITS script: a busy node's flush of thousands of users runs as several short scripts. */
const WINDOW_HITS_CHUNK = 1_000;

/** Members per ZADD of a zAddMany (a script's unpack takes a few thousand values at most). */
const ZADD_CHUNK = 1_000;

export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly client: Redis & { windowHits(...args: Array<string | number>): Promise<number[]> };
  /** Guarded commits (one script each), on a connection of their own so that reads do not queue behind a large batch. */
  private readonly writes: Redis & { guardedBatch(args: string[]): Promise<number | string> };
  private readonly prefix: string;

  constructor(options: RedisCacheOptions) {
    this.prefix = options.keyPrefix ?? '';
    const settings = { keyPrefix: this.prefix, maxRetriesPerRequest: 3, lazyConnect: false };
    const client = new Redis(options.url, settings);
    client.defineCommand('windowHits', { lua: WINDOW_HITS });
    this.client = client as RedisCache['client'];
    const writes = new Redis(options.url, settings);
    writes.defineCommand('guardedBatch', { lua: GUARDED_BATCH });
    this.writes = writes as RedisCache['writes'];
    for (const connection of [this.client, this.writes]) {
      connection.on('error', (error) => options.logger?.warn({ err: error }, 'redis: connection error'));
    }
  }

  async commit(guard: CacheGuard, writes: (writer: CacheWriter) => void): Promise<boolean> {
    const batch = new GuardedBatch(guard);
    writes(batch.writer);
    let reply: number | string;
    try {
      reply = await reachable(() => this.writes.guardedBatch(batch.args()));
    } catch (error) {
      // The script failed while it ran: what it wrote before stays, as with a failed command.
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ReplyError && message.includes('user_script')) throw new CacheWriteError(`the batch's script failed: ${message}`, { cause: error });
      throw error;
    }
    if (reply === 0) return false;
    if (typeof reply === 'string') throw new CacheWriteError(`a command of the batch failed: ${reply.replace(/^ERR: /, '')}`);
    return true;
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
    const [count] = await this.hitMany([{ key, by }], windowSeconds);
    return count!;
  }

  async hitMany(hits: ReadonlyArray<{ key: string; by: number }>, windowSeconds: number): Promise<WindowCount[]> {
    const counts: WindowCount[] = [];
    for (let start = 0; start < hits.length; start += WINDOW_HITS_CHUNK) {
      const chunk = hits.slice(start, start + WINDOW_HITS_CHUNK);
      const reply = await reachable(() => this.client.windowHits(chunk.length, ...chunk.map((h) => h.key), windowSeconds, ...chunk.map((h) => h.by)));
      chunk.forEach((_, i) => counts.push({ count: Number(reply[2 * i]), resetInSeconds: Math.max(1, Number(reply[2 * i + 1])) }));
    }
    return counts;
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
    await Promise.allSettled([this.client.quit(), this.writes.quit()]);
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

/** A batch's commands in GUARDED_BATCH's form: the keys once each, the commands as strings. */
class GuardedBatch {
  private readonly keys: string[];
  private readonly keyIndex = new Map<string, number>();
  private readonly ops: string[] = [];

  constructor(private readonly guard: CacheGuard) {
    this.keys = [guard.key];
  }

  /** One command on `key`: its arguments, `arity` per call (0: one call without arguments). */
  private add(command: string, key: string, arity: number, calls: number): string[] {
    let index = this.keyIndex.get(key);
    if (index === undefined) {
      this.keys.push(key);
      index = this.keys.length;
      this.keyIndex.set(key, index);
    }
    this.ops.push(command, String(index), String(arity), String(calls));
    return this.ops;
  }

  readonly writer: CacheWriter = {
    set: (key, value) => void this.add('SET', key, 1, 1).push(value),
    del: (key) => void this.add('DEL', key, 0, 1),
    incrBy: (key, by) => void this.add('INCRBY', key, 1, 1).push(String(by)),
    zIncrBy: (key, by, member) => void this.add('ZINCRBY', key, 2, 1).push(String(by), member),
    zAdd: (key, score, member) => void this.add('ZADD', key, 2, 1).push(String(score), member),
    zIncrByMany: (key, increments) => {
      if (increments.length === 0) return;
      const ops = this.add('ZINCRBY', key, 2, increments.length);
      for (const { score, member } of increments) ops.push(String(score), member);
    },
    zAddMany: (key, members) => {
      for (let from = 0; from < members.length; from += ZADD_CHUNK) {
        const to = Math.min(from + ZADD_CHUNK, members.length);
        const ops = this.add('ZADD', key, (to - from) * 2, 1);
        for (let i = from; i < to; i += 1) ops.push(String(members[i]!.score), members[i]!.member);
      }
    },
    incrByMany: (increments) => {
      for (const { key, by } of increments) this.add('INCRBY', key, 1, 1).push(String(by));
    },
    zRemRangeByRank: (key, start, stop) => void this.add('ZREMRANGEBYRANK', key, 2, 1).push(String(start), String(stop)),
    expireAt: (key, unixSeconds) => void this.add('EXPIREAT', key, 1, 1).push(String(unixSeconds)),
  };

  /** The script's arguments, in one array (ioredis flattens it): the number of keys, the keys, ARGV. */
  args(): string[] {
    const { guard } = this;
    return [String(this.keys.length), ...this.keys, guard.next, guard.expected === null ? '0' : '1', guard.expected ?? '', JSON.stringify(this.ops)];
  }
}
