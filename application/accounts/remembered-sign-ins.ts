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
export const REMEMBERED_MS = 2_000;
/** Pairs remembered at most; the oldest go first. */
const CAPACITY = 10_000;

interface Remembered {
  userId: string;
  password: string;
  until: number;
}

export class RememberedSignIns {
  private readonly pairs = new Map<string, Remembered>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** The remembered user and app password of `username` signing in from `address`, if fresh. */
  get(username: string, address: string): Remembered | undefined {
    const k = pairKey(username, address);
    const found = this.pairs.get(k);
    if (found && found.until <= this.now()) this.pairs.delete(k);
    return found && found.until > this.now() ? found : undefined;
  }

  remember(username: string, address: string, userId: string, password: string): void {
    const k = pairKey(username, address);
    this.pairs.delete(k);
    this.pairs.set(k, { userId, password, until: this.now() + REMEMBERED_MS });
    if (this.pairs.size > CAPACITY) this.pairs.delete(this.pairs.keys().next().value as string);
  }

  /** Forgets one pair (its proof was wrong). */
  drop(username: string, address: string): void {
    this.pairs.delete(pairKey(username, address));
  }

  /** Forgets every pair of a user (a new or removed app password, a removed account). */
  forget(userId: string): void {
    for (const [k, pair] of this.pairs) if (pair.userId === userId) this.pairs.delete(k);
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
