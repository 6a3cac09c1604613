/**
 * Radio state: what a seeded stream served, so that its next page never repeats a track. Kept in
 * the cache (Redis, shared by every node; in process in embedded mode) as a sorted set of track
 * ids scored by the order they were served, under the listener's own key space, for a day after
 * its last page. A page is taken with a guard on the listener's radio version (one small key per
 * listener, moved by every page of any of their radios): two pages asked at once cannot both take
 * the same tracks (the second is computed again from what the first served).
 */
import type { Cache } from '../../gateways/cache/port.js';
import type { Recommendation } from './recommend.js';

export const RADIO_TTL_SECONDS = 86_400;
/** The tracks served last that steer the next page (so a long radio drifts with what it played). */
const STEERING = 5;
const ATTEMPTS = 5;

export class RadioConflictError extends Error {
  override readonly name = 'RadioConflictError';
  readonly code = 'RADIO_BUSY';
}

const userKey = (userId: string) => `chorus:radio:${userId.length}:${userId}`;

export class RadioState {
  constructor(private readonly cache: Cache) {}

  /** Takes the next page of `radio` from `pick(served, lastServed)` and records it as served. */
  async next(
    userId: string,
    radio: string,
    pick: (served: ReadonlySet<string>, lastServed: readonly string[]) => Recommendation[],
  ): Promise<Recommendation[]> {
    const guard = `${userKey(userId)}:version`;
    const key = `${userKey(userId)}:${radio}`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // The version first: a page committed after this read moves it, and this commit fails.
      const version = await this.cache.get(guard);
      const servedNewestFirst = await this.cache.zRevRangeWithScores(key, 0, -1);
      const served = new Set(servedNewestFirst.map((m) => m.member));
      const page = pick(served, servedNewestFirst.slice(0, STEERING).map((m) => m.member).reverse());
      if (page.length === 0) return page;
      const expireAt = Math.floor(Date.now() / 1000) + RADIO_TTL_SECONDS;
      const next = String((version === null ? 0 : Number(version)) + 1);
      const committed = await this.cache.commit({ key: guard, expected: version, next }, (writer) => {
        writer.zAddMany(key, page.map((item, i) => ({ member: item.trackId, score: served.size + i })));
        writer.expireAt(key, expireAt);
      });
      if (committed) return page;
    }
    throw new RadioConflictError(`radio ${radio} is being read by several requests at once; retry`);
  }
}
