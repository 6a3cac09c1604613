/**
 * The cache port: the Redis data structures Chorus's read models use (counters, sorted sets,
 * strings), served by Redis (ioredis) or, in embedded mode, in process. Writes of a projection
 * batch are committed atomically together with its checkpoint, guarded by the checkpoint's
 * expected value, so a batch is applied exactly once even if two runners race.
 */

export interface CacheWriter {
  set(key: string, value: string): void;
  del(key: string): void;
  incrBy(key: string, by: number): void;
  zIncrBy(key: string, by: number, member: string): void;
  zAdd(key: string, score: number, member: string): void;
  /**
   * Several members' scores raised at once (ZINCRBY for each, in order): one command whatever
   * their number, so a projection's batch costs a command per key, not per member.
   */
  zIncrByMany(key: string, increments: readonly ScoredMember[]): void;
  /** Several members set at once (ZADD with many score-member pairs). */
  zAddMany(key: string, members: readonly ScoredMember[]): void;
  /** Several counters raised at once (INCRBY for each, in order): one command. */
  incrByMany(increments: ReadonlyArray<{ key: string; by: number }>): void;
  /** Removes members by rank (0 = lowest score), inclusive, negative from the end, as ZREMRANGEBYRANK. */
  zRemRangeByRank(key: string, start: number, stop: number): void;
  /** Expires the key at this Unix time in seconds. */
  expireAt(key: string, unixSeconds: number): void;
}

export interface ScoredMember {
  member: string;
  score: number;
}

export interface WindowCount {
  count: number;
  /** Seconds until the window ends and the count starts again (at least 1). */
  resetInSeconds: number;
}

export interface CacheGuard {
  key: string;
  /** The value the key must hold for the commit to happen (null: it must not exist). */
  expected: string | null;
  /** The value it holds afterwards. */
  next: string;
}

export interface Cache {
  readonly kind: 'redis' | 'memory';
  /**
   * Applies `writes` and moves the guard key to `guard.next` in one atomic step (on Redis one script), only
   * if the guard key still holds `guard.expected`. Resolves to false, having written nothing, when
   * it does not.
   */
  commit(guard: CacheGuard, writes: (writer: CacheWriter) => void): Promise<boolean>;
  get(key: string): Promise<string | null>;
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Highest scores first, ranks `start`..`stop` inclusive. */
  zRevRangeWithScores(key: string, start: number, stop: number): Promise<ScoredMember[]>;
  /** The sum of several sorted sets, highest first (ZUNION ... WITHSCORES), ranks start..stop. */
  zUnionRevRange(keys: readonly string[], start: number, stop: number): Promise<ScoredMember[]>;
  zScore(key: string, member: string): Promise<number | null>;
  /**
   * Counts `by` hits (0: just reads) in a fixed window: the key starts at 0 and expires
   * `windowSeconds` after it was created (SET NX EX, INCRBY, TTL in one script). Rate limits
   * shared by every node use it.
   */
  hit(key: string, windowSeconds: number, by?: number): Promise<WindowCount>;
  /** `hit` for several keys (each with its own `by`) in one round trip: the counts in the same order. */
  hitMany(hits: ReadonlyArray<{ key: string; by: number }>, windowSeconds: number): Promise<WindowCount[]>;
  /** Deletes every key starting with `prefix`; returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** Reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A command of a committed batch failed (e.g. a wrong type): as inside Redis's MULTI/EXEC, the
 * other commands and the guard took effect. Not a connection problem: the read model needs a rebuild.
 */
export class CacheWriteError extends Error {
  override readonly name = 'CacheWriteError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Redis cannot be reached (the caller answers 503 and retries later). */
export class CacheUnavailableError extends Error {
  override readonly name = 'CacheUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
