/**
 * Subsonic sign-ins this process checked lately, per credentials store (each server has its own).
 * A Subsonic app signs every call, with a fresh salt each time: checking the proof is an md5 and
 * costs nothing, but reading the account and the sign-in limits cost a Postgres and a Redis round
 * trip per call. After a sign-in succeeds, the app password is remembered for REMEMBERED_MS for
 * that name from that address, and the next calls within that time are checked against it alone.
 *
 * What stays as it was: a wrong proof forgets the pair and takes the full path (counted against
 * the limits, then checked with them), so guessing is limited as before; a pair is remembered only
 * after a right proof. What changes: a password changed, an account removed, or a limit reached on
 * another node (or by the CLI, another process) is seen here at most REMEMBERED_MS later; in this
 * process at once (forget).
 */
import { Lru } from '../lru.js';

export const REMEMBERED_MS = 2_000;
/** Pairs remembered at most; the oldest go first. */
const CAPACITY = 10_000;

interface Remembered {
  userId: string;
  password: string;
}

export class RememberedSignIns {
  private readonly pairs: Lru<string, Remembered>;

  constructor(now: () => number = () => Date.now()) {
    this.pairs = new Lru(CAPACITY, now);
  }

  /** The remembered user and app password of `username` signing in from `address`, if fresh. */
  get(username: string, address: string): Remembered | undefined {
    return this.pairs.get(pairKey(username, address));
  }

  remember(username: string, address: string, userId: string, password: string): void {
    this.pairs.set(pairKey(username, address), { userId, password }, REMEMBERED_MS);
  }

  /** Forgets one pair (its proof was wrong). */
  drop(username: string, address: string): void {
    this.pairs.delete(pairKey(username, address));
  }

  /** Forgets every pair of a user (a new or removed app password, a removed account). */
  forget(userId: string): void {
    this.pairs.deleteWhere((pair) => pair.userId === userId);
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
