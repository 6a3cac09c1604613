/**
 * Crash safety over HTTP: Chorus runs as a real process on PostgreSQL and Redis; several clients
 * stream plays, follows and playlist creations at it; it is killed with SIGKILL mid-stream and
 * started again on the same database. Every write that got a 2xx is there exactly once — in the
 * event store and in the read models (recent plays, charts, followers and their counts, my
 * playlists) — and nothing is doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { Position, RecordedEvent } from '../../gateways/event-store/port.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { ApiClient, signDevToken, type ApiResponse } from '../support/api-client.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startChorusProcess, type ChorusProcess } from '../support/process.js';
import { TEST_REDIS_URL, createTestRedis, type TestRedis } from '../support/redis.js';
import { DEV_SECRET, uniqueUser } from './support/server.js';

const CLIENTS = 6;
const KILL_AFTER_ACKNOWLEDGED = 150;
const TRACKS = ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4'];

interface Acknowledged {
  plays: Map<string, { userId: string; trackId: string }>;
  follows: Array<{ follower: string; followee: string }>;
  playlists: Map<string, string>;
  count(): number;
}

let db: TestDatabase;
let redis: TestRedis;
let env: Record<string, string>;
let chorus: ChorusProcess | undefined;
const users = Array.from({ length: CLIENTS }, (_, i) => uniqueUser(`kill9-${i}`));
const tokens: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('e2e_kill9');
  redis = await createTestRedis('e2e-kill9');
  env = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redis.prefix,
    CHORUS_DEV_TOKEN_SECRET: DEV_SECRET,
    CHORUS_DEMO_CATALOG: '1',
    CHORUS_NODE_ID: 'e2e-kill9',
  };
  for (const userId of users) tokens.push(await signDevToken(DEV_SECRET, { sub: userId, name: userId }));
});
afterAll(async () => {
  await chorus?.stop('SIGKILL');
  await redis?.cleanup();
  await db?.drop();
});

/** One client: plays, follows and playlist creations in turn until the server goes away. */
async function writer(api: ApiClient, index: number, acknowledged: Acknowledged, stop: { now: boolean }): Promise<void> {
  const userId = users[index]!;
  for (let k = 0; !stop.now; k += 1) {
    let response: ApiResponse<{ eventId?: string; id?: string }>;
    try {
      switch (k % 3) {
        case 0: {
          const trackId = TRACKS[(index + k) % TRACKS.length]!;
          response = await api.post('/v1/me/plays', { trackId, msPlayed: 60_000 });
          if (response.status === 202) acknowledged.plays.set(response.body.eventId!, { userId, trackId });
          break;
        }
        case 1: {
          const followee = users[(index + 1 + (Math.floor(k / 3) % (CLIENTS - 1))) % CLIENTS]!;
          response = await api.put(`/v1/me/following/users/${followee}`);
          if (response.status === 204) acknowledged.follows.push({ follower: userId, followee });
          break;
        }
        default: {
          response = await api.post('/v1/playlists', { name: `w${index}-${k}` });
          if (response.status === 201) acknowledged.playlists.set(response.body.id!, userId);
        }
      }
    } catch {
      return; // the server is gone: what was in flight is not acknowledged
    }
    if (response.status >= 300) throw new Error(`client ${index}: ${response.status} ${response.text}`);
  }
}

/** GET with ?after=, retried while the restarted server's read models catch up (504). */
async function getAfter<T>(api: ApiClient, path: string, after: Position): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await api.get<T>(`${path}${path.includes('?') ? '&' : '?'}after=${encodeURIComponent(after)}`);
    if (response.status === 200) return response.body;
    if (response.status !== 504 || Date.now() > deadline) throw new Error(`${path}: ${response.status} ${response.text}`);
  }
}

async function storedEvents(): Promise<{ events: RecordedEvent[]; head: Position }> {
  const store = await PostgresEventStore.open(createPgClient({ connectionString: db.url, applicationName: 'e2e-kill9-reader', max: 2 }), { ownsClient: true });
  try {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll({ filter: { eventTypes: ['TrackPlayed', 'UserFollowed', 'UserUnfollowed', 'PlaylistCreated'] } })) events.push(event);
    return { events, head: await store.headPosition() };
  } finally {
    await store.close();
  }
}

describe('kill -9 in the middle of a stream of writes', () => {
  it('keeps every acknowledged write exactly once, in the store and in the read models', async () => {
    chorus = await startChorusProcess(env);
    const clients = tokens.map((token) => new ApiClient(chorus!.url, token));
    for (const api of clients) expect((await api.get('/v1/me')).status).toBe(200); // registered

    const acknowledged: Acknowledged = {
      plays: new Map(),
      follows: [],
      playlists: new Map(),
      count() {
        return this.plays.size + this.follows.length + this.playlists.size;
      },
    };
    const stop = { now: false };
    const writers = clients.map((api, i) => writer(api, i, acknowledged, stop));
    const deadline = Date.now() + 60_000;
    while (acknowledged.count() < KILL_AFTER_ACKNOWLEDGED) {
      if (Date.now() > deadline) throw new Error(`only ${acknowledged.count()} writes acknowledged in 60 s:\n${chorus.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await chorus.stop('SIGKILL');
    stop.now = true;
    await Promise.all(writers);
    expect(acknowledged.plays.size).toBeGreaterThan(0);
    expect(acknowledged.follows.length).toBeGreaterThan(0);
    expect(acknowledged.playlists.size).toBeGreaterThan(0);

    chorus = await startChorusProcess(env);
    const { events, head } = await storedEvents();

    // The event store: every acknowledged play and playlist once; at most the writes in flight extra.
    const plays = events.filter((e) => e.type === 'TrackPlayed');
    const playIds = plays.map((e) => e.id);
    expect(new Set(playIds).size, 'a play stored twice').toBe(playIds.length);
    expect([...acknowledged.plays.keys()].filter((id) => !playIds.includes(id)), 'acknowledged plays missing').toEqual([]);
    expect(plays.length - acknowledged.plays.size).toBeLessThanOrEqual(CLIENTS);
    const created = events.filter((e) => e.type === 'PlaylistCreated');
    const createdIds = created.map((e) => String(e.data.playlistId));
    expect(new Set(createdIds).size, 'a playlist created twice').toBe(createdIds.length);
    expect([...acknowledged.playlists.keys()].filter((id) => !createdIds.includes(id)), 'acknowledged playlists missing').toEqual([]);
    expect(created.length - acknowledged.playlists.size).toBeLessThanOrEqual(CLIENTS);
    const followEvents = events.filter((e) => e.type === 'UserFollowed');
    const followPairs = followEvents.map((e) => `${String(e.data.userId)}->${String(e.data.followeeId)}`);
    expect(new Set(followPairs).size, 'a follow recorded twice (following is idempotent)').toBe(followPairs.length);
    for (const { follower, followee } of acknowledged.follows) expect(followPairs, 'acknowledged follow missing').toContain(`${follower}->${followee}`);

    const restarted = tokens.map((token) => new ApiClient(chorus!.url, token));
    for (const [index, api] of restarted.entries()) {
      const userId = users[index]!;

      // Recent plays: the user's stored plays (up to 50), none twice.
      const storedPlays = plays.filter((e) => e.data.userId === userId);
      const recent = await getAfter<{ items: Array<{ trackId: string; playedAt: string }> }>(api, '/v1/me/plays/recent?limit=50', head);
      expect(recent.items, `recent plays of ${userId}`).toHaveLength(Math.min(50, storedPlays.length));

      // Followers: exactly the stored follows of this user, once each, and the count agrees.
      const expectedFollowers = new Set(followEvents.filter((e) => e.data.followeeId === userId).map((e) => String(e.data.userId)));
      const followers = await getAfter<{ items: Array<{ userId: string }>; total?: number }>(api, `/v1/users/${userId}/followers?limit=50`, head);
      const followerIds = followers.items.map((f) => f.userId);
      expect(new Set(followerIds).size, `followers of ${userId} listed twice`).toBe(followerIds.length);
      expect(new Set(followerIds), `followers of ${userId}`).toEqual(expectedFollowers);
      if (followers.total !== undefined) expect(followers.total, `follower count of ${userId}`).toBe(expectedFollowers.size);
      const expectedFollowing = new Set(followEvents.filter((e) => e.data.userId === userId).map((e) => String(e.data.followeeId)));
      const me = await getAfter<{ followers?: number; following?: number }>(api, '/v1/me', head);
      if (me.followers !== undefined) expect(me.followers, `followers count of ${userId}`).toBe(expectedFollowers.size);
      if (me.following !== undefined) expect(me.following, `following count of ${userId}`).toBe(expectedFollowing.size);

      // My playlists: exactly the stored creations of this user, once each.
      const expectedPlaylists = new Set(created.filter((e) => e.data.ownerId === userId).map((e) => String(e.data.playlistId)));
      const listed: string[] = [];
      for (let offset = 0; ; offset += 50) {
        const page = await getAfter<{ items: Array<{ id: string }>; total?: number }>(api, `/v1/me/playlists?limit=50&offset=${offset}`, head);
        listed.push(...page.items.map((p) => p.id));
        if (page.items.length < 50) {
          if (page.total !== undefined) expect(page.total, `playlist count of ${userId}`).toBe(expectedPlaylists.size);
          break;
        }
      }
      expect(new Set(listed).size, `playlists of ${userId} listed twice`).toBe(listed.length);
      expect(new Set(listed), `playlists of ${userId}`).toEqual(expectedPlaylists);
    }

    // Charts: each track counted once per stored play of 30 s or more (no batch applied twice).
    const chart = await getAfter<{ items: Array<{ trackId: string; plays: number }> }>(restarted[0]!, '/v1/charts/tracks?window=all&limit=50', head);
    const expectedChart = new Map<string, number>();
    for (const play of plays) expectedChart.set(String(play.data.trackId), (expectedChart.get(String(play.data.trackId)) ?? 0) + 1);
    expect(new Map(chart.items.map((i) => [i.trackId, i.plays]))).toEqual(expectedChart);

    expect(await chorus.stop('SIGTERM')).toBe(0);
    chorus = undefined;
  });
});
