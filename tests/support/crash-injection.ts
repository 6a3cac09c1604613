/**
 * Crash injection for the ports a projection process talks through: the SqlClient and the Cache
 * of one "process" are wrapped so that, at the k-th statement it issues (or its k-th commit), the
 * process dies — either just BEFORE that statement runs, or just AFTER it ran (took effect) but
 * before the caller sees its result (a crash right after COMMIT or EXEC). From then on every call of the wrapped
 * instances fails, as in a dead process: nothing new reaches the database or the cache, and a
 * statement already in flight may land but its caller never learns it did.
 *
 * What counts as a statement, in the order the process issues them:
 *  - SQL: every top-level query/exec; inside `transaction`, BEGIN (the call), each query/exec, and
 *    COMMIT (when the work has resolved); tryLock and listen;
 *  - cache: every call (`commit` is one statement: WATCH, GET, MULTI ... EXEC).
 * ROLLBACK is not counted: a crash there is a crash before COMMIT.
 *
 * A dead process loses its connections, and with them its session-level advisory locks: when it
 * dies (or is killed), every lock taken through the wrapper is released (on Postgres this ends the
 * lock's dedicated connection; on PGlite the locks are in-process and are dropped). The crash is
 * thrown as a SqlConnectionError, which is what the code still running would see of a dead
 * connection (never mistaken for a poison event).
 */
import type { Cache, CacheGuard, CacheWriter, ScoredMember } from '../../gateways/cache/port.js';
import {
  SqlConnectionError,
  type Listener,
  type NotificationHandlers,
  type SqlClient,
  type SqlExecutor,
  type SqlLock,
  type SqlParam,
} from '../../gateways/sql/port.js';

export type CrashWhen = 'before' | 'after';

export interface CrashPoint {
  /**
   * What is counted: every statement, or only commits (SQL COMMITs and cache commits: where a
   * batch and its checkpoint land together, the moments that matter most).
   */
  among: 'statements' | 'commits';
  /** 1-based number, among those counted, of the one at which the process dies. */
  n: number;
  when: CrashWhen;
}

/** A statement under way: whether the process dies after it. */
interface Running {
  here: boolean;
  label: string;
}

/** What the code of a "dead" process sees from then on. */
export class ProcessCrashed extends SqlConnectionError {
  constructor(what: string) {
    super(`process crashed (injected) ${what}`);
  }
}

/** One process's life: counts its statements and kills it at the crash point. */
export class CrashSwitch {
  private count = 0;
  private commits = 0;
  private diedAt: string | undefined;
  private readonly locks = new Set<SqlLock>();
  private releasing: Promise<void> = Promise.resolve();
  private signalCrash!: () => void;
  /** Resolves when the process dies. */
  readonly crashed: Promise<void> = new Promise((resolve) => (this.signalCrash = resolve));

  constructor(readonly point: CrashPoint | null) {}

  /** Statements issued so far (the crash point's numbering). */
  get statements(): number {
    return this.count;
  }

  /** Where the process died, once it has. */
  get death(): string | undefined {
    return this.diedAt;
  }

  get dead(): boolean {
    return this.diedAt !== undefined;
  }

  /** Commits issued so far. */
  get commitCount(): number {
    return this.commits;
  }

  /** A statement starts: numbers it, and dies here if this is a crash BEFORE it. */
  enter(what: string, commit = false): Running {
    this.throwIfDead(what);
    this.count += 1;
    if (commit) this.commits += 1;
    const label = `statement ${this.count}${commit ? `, commit ${this.commits}` : ''} (${what})`;
    const point = this.point;
    const here = point !== null && (point.among === 'statements' ? this.count === point.n : commit && this.commits === point.n);
    if (here && point.when === 'before') this.die(`before ${label}`);
    return { here, label };
  }

  /** The statement has run: dies here if this is a crash AFTER it; fails if the process died meanwhile. */
  leave(running: Running, what: string): void {
    if (running.here && this.point?.when === 'after' && !this.dead) this.die(`after ${running.label}`);
    // A statement in flight when another one killed the process may have landed; its caller
    // never hears of it.
    this.throwIfDead(what);
  }

  /** Runs one statement of the process, dying before or after it if this is the crash point. */
  async statement<T>(what: string, run: () => Promise<T>, commit = false): Promise<T> {
    const running = this.enter(what, commit);
    const result = await run();
    this.leave(running, what);
    return result;
  }

  throwIfDead(what: string): void {
    if (this.diedAt !== undefined) throw new ProcessCrashed(`(${what}: the process died ${this.diedAt})`);
  }

  /** Kills the process now (if it has not died yet); resolves once its locks are gone. */
  async kill(reason = 'when the test killed it'): Promise<void> {
    if (this.diedAt === undefined) this.markDead(reason);
    await this.releasing;
  }

  /** A lock taken through a wrapped client: held until released, or until the process dies. */
  holdLock(lock: SqlLock): void {
    if (this.dead) this.releasing = this.releasing.then(() => lock.release().catch(() => undefined));
    else this.locks.add(lock);
  }

  dropLock(lock: SqlLock): void {
    this.locks.delete(lock);
  }

  private die(where: string): never {
    this.markDead(where);
    throw new ProcessCrashed(where);
  }

  private markDead(where: string): void {
    this.diedAt = where;
    const locks = [...this.locks];
    this.locks.clear();
    // A dead process's connections close, and their session-level locks go with them.
    this.releasing = Promise.all(locks.map((lock) => lock.release().catch(() => undefined))).then(() => undefined);
    this.signalCrash();
  }
}

const short = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 60)}...` : line;
};

function crashingExecutor(inner: SqlExecutor, life: CrashSwitch, where: string): SqlExecutor {
  return {
    query<Row extends object = Record<string, unknown>>(text: string, params?: readonly SqlParam[]): Promise<Row[]> {
      return life.statement(`${where}query ${short(text)}`, () => inner.query<Row>(text, params));
    },
    exec(script: string): Promise<void> {
      return life.statement(`${where}exec ${short(script)}`, () => inner.exec(script));
    },
  };
}

/** The SqlClient of a process that dies at `life`'s crash point. */
export function crashingSqlClient(inner: SqlClient, life: CrashSwitch): SqlClient {
  const top = crashingExecutor(inner, life, '');
  return {
    kind: inner.kind,
    query: top.query,
    exec: top.exec,

    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const begin = life.enter('BEGIN');
      let commit: Running | undefined;
      const result = await inner.transaction(async (tx) => {
        // Dying after BEGIN, or before COMMIT, throws inside the transaction: it rolls back, as
        // the server rolls back the open transaction of a connection that dropped.
        life.leave(begin, 'BEGIN');
        const value = await work(crashingExecutor(tx, life, 'in transaction: '));
        commit = life.enter('COMMIT', true);
        return value;
      });
      // Committed. Dying now leaves it committed, but the caller never hears of it.
      life.leave(commit!, 'COMMIT');
      return result;
    },

    listen(channel: string, handlers: NotificationHandlers): Promise<Listener> {
      return life.statement(`LISTEN ${channel}`, () => inner.listen(channel, handlers));
    },

    async tryLock(name: string): Promise<SqlLock | undefined> {
      const running = life.enter(`tryLock ${name}`);
      const lock = await inner.tryLock(name);
      // Held from now on by this process: released by it, or when it dies.
      if (lock) life.holdLock(lock);
      life.leave(running, `tryLock ${name}`);
      return lock && wrapLock(lock, life);
    },

    close: () => inner.close(),
  };
}

function wrapLock(inner: SqlLock, life: CrashSwitch): SqlLock {
  return {
    lost: inner.lost,
    async release() {
      life.throwIfDead('lock release');
      life.dropLock(inner);
      await inner.release();
    },
  };
}

/** The Cache of a process that dies at `life`'s crash point. */
export function crashingCache(inner: Cache, life: CrashSwitch): Cache {
  return {
    kind: inner.kind,
    commit: (guard: CacheGuard, writes: (writer: CacheWriter) => void) => life.statement(`cache commit ${guard.key}`, () => inner.commit(guard, writes), true),
    get: (key: string) => life.statement(`cache get ${key}`, () => inner.get(key)),
    mget: (keys: readonly string[]) => life.statement('cache mget', () => inner.mget(keys)),
    zRevRangeWithScores: (key: string, start: number, stop: number): Promise<ScoredMember[]> =>
      life.statement(`cache zrevrange ${key}`, () => inner.zRevRangeWithScores(key, start, stop)),
    zUnionRevRange: (keys: readonly string[], start: number, stop: number) => life.statement('cache zunion', () => inner.zUnionRevRange(keys, start, stop)),
    zScore: (key: string, member: string) => life.statement(`cache zscore ${key}`, () => inner.zScore(key, member)),
    hit: (key: string, windowSeconds: number, by?: number) => life.statement(`cache hit ${key}`, () => inner.hit(key, windowSeconds, by), true),
    hitMany: (hits: ReadonlyArray<{ key: string; by: number }>, windowSeconds: number) =>
      life.statement(`cache hits ${hits.map((h) => h.key).join(',')}`, () => inner.hitMany(hits, windowSeconds), true),
    deleteByPrefix: (prefix: string) => life.statement(`cache deleteByPrefix ${prefix}`, () => inner.deleteByPrefix(prefix)),
    ping: () => life.statement('cache ping', () => inner.ping()),
    close: () => inner.close(),
  };
}
