/**
 * Subsonic sign-ins this process checked lately, per credentials store (each server has its own).
 * A Subsonic app signs every call, with a fresh salt each time: checking the proof is an md5 and
 * costs nothing, but reading the account and the sign-in limits cost a Postgres and a Redis round
 * trip per call. After a sign-in succeeds, the app password is remembered for REMEMBERED_MS for
 * that name from that address, and the next calls within that time are checked against it alone.
 *
 * The reads themselves are shared: calls of one name from one address that need them at the same
 * time wait for one read (`read`), not one each; and a remembered pair in use is read again in
 * the background once it is half its age (`refresh`), so an app that keeps calling never waits
 * for a read after its first, and a busy app's calls do not all miss together when the pair ages
 * out (they did: 50 connections, 50 reads at once every REMEMBERED_MS).
 *
 * What stays as it was: a wrong proof forgets the pair and takes the full path (counted against
 * the limits, then checked with them), so guessing is limited as before; a pair is remembered only
 * after a right proof, and read again only while right proofs keep coming. What changes: a
 * password changed, an account removed, or a limit reached on another node (or by the CLI,
 * another process) is seen here at most REMEMBERED_MS later (what is used was read at most that
 * long ago, also when read in the background); in this process at once (forget, which also keeps
 * reads already under way from being remembered).
 */
import { Lru } from '../lru.js';

export const REMEMBERED_MS = 2_000;
/** A remembered pair in use is read again in the background once this old. */
export const REFRESH_AFTER_MS = REMEMBERED_MS / 2;
/** Pairs remembered at most; the oldest go first. */
const CAPACITY = 10_000;

/** What a read of a sign-in gives: who `username` is and their app password (undefined: no such user, or no app password). */
export interface SignInRead {
  userId: string;
  password: string;
}

interface Remembered extends SignInRead {
  /** When it was read (the clock of `now`). */
  readAt: number;
}

/** A read, with when it began and whether it may be remembered. */
export interface Fetched {
  read: SignInRead | undefined;
  /** When the read began: what it found is at least this fresh. */
  startedAt: number;
  /** False when a forget came after it began: use it for the calls waiting, do not remember it. */
  rememberable: () => boolean;
}

export class RememberedSignIns {
  private readonly pairs: Lru<string, Remembered>;
  private readonly reading = new Map<string, Promise<Fetched>>();
  /** Moves on every forget: a read that began before one is used by its callers but not remembered. */
  private epoch = 0;

  constructor(private readonly now: () => number = () => Date.now()) {
    this.pairs = new Lru(CAPACITY, now);
  }

  /** The remembered user and app password of `username` signing in from `address`, if fresh. */
  get(username: string, address: string): Remembered | undefined {
    return this.pairs.get(pairKey(username, address));
  }

  /** Remembers a pair read at `readAt`, until REMEMBERED_MS after it. */
  remember(username: string, address: string, read: SignInRead, readAt = this.now()): void {
    const ttl = readAt + REMEMBERED_MS - this.now();
    if (ttl > 0) this.pairs.set(pairKey(username, address), { userId: read.userId, password: read.password, readAt }, ttl);
  }

  /** Forgets one pair (its proof was wrong). */
  drop(username: string, address: string): void {
    this.pairs.delete(pairKey(username, address));
  }

  /** Forgets every pair of a user (a new or removed app password, a removed account). */
  forget(userId: string): void {
    this.epoch += 1;
    this.pairs.deleteWhere((pair) => pair.userId === userId);
  }

  /**
   * Runs `load` (the full read: limits, account, app password) for `username` from `address`, or
   * joins the one already under way for that pair; its failure (a limit reached) is every joiner's.
   */
  read(username: string, address: string, load: () => Promise<SignInRead | undefined>): Promise<Fetched> {
    const key = pairKey(username, address);
    const running = this.reading.get(key);
    if (running) return running;
    const startedAt = this.now();
    const epoch = this.epoch;
    const rememberable = () => epoch === this.epoch;
    const started = load()
      .then((read) => ({ read, startedAt, rememberable }))
      .finally(() => this.reading.delete(key));
    this.reading.set(key, started);
    return started;
  }

  /**
   * After a right proof against `known`: once it is REFRESH_AFTER_MS old, reads the pair again in
   * the background (one read at a time) and remembers what it finds from the time the read began;
   * no user, no app password any more, or a limit reached: the pair is forgotten, and the next
   * call takes the full path.
   */
  refresh(username: string, address: string, known: Remembered, load: () => Promise<SignInRead | undefined>): void {
    if (this.now() - known.readAt < REFRESH_AFTER_MS || this.reading.has(pairKey(username, address))) return;
    this.read(username, address, load).then(
      ({ read, startedAt, rememberable }) => {
        if (read && rememberable()) this.remember(username, address, read, startedAt);
        else this.drop(username, address);
      },
      () => this.drop(username, address),
    );
  }
}

const pairKey = (username: string, address: string) => `${username}\u0000${address}`;

const stores = new WeakMap<object, RememberedSignIns>();

/** The remembered sign-ins of one credentials store. */
export function rememberedSignIns(credentials: object): RememberedSignIns {
  let known = stores.get(credentials);
  if (!known) stores.set(credentials, (known = new RememberedSignIns()));
  return known;
}
