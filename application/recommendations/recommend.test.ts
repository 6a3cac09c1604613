/**
 * Scoring, re-ranking and cold start over a small planted world: two taste clusters (each two
 * artists in their own genre) and listeners who keep to one cluster per session. Listeners of a
 * cluster must get mostly that cluster's tracks, never what they played in the last day, each with
 * its reasons; a listener with no plays gets the popular tracks of the genres they follow or seed;
 * a radio never serves a track twice; diversity re-ranking spreads a list over artists.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { RecsModel } from '../../projections/recommendations/model.js';
import type { Candidate } from './candidates.js';
import { Recommender } from './recommend.js';
import { rerank } from './rerank.js';
import { seedWeight } from './seeds.js';

const DAY = 86_400_000;
const MIN = 60_000;
const NOW = Date.UTC(2025, 5, 1, 12);
/** Cluster c: artists `c0-x`, `c0-y` (genre `g0`) and `c1-x`, `c1-y` (genre `g1`), 6 tracks each. */
const CLUSTERS = ['c0', 'c1'];
const track = (cluster: string, artist: string, n: number) => `${cluster}-${artist}-t${n}`;
const clusterTracks = (cluster: string) => ['x', 'y'].flatMap((a) => Array.from({ length: 6 }, (_, n) => track(cluster, a, n)));

let sequence = 0;
const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e${++sequence}`,
  type,
  stream: 's',
  revision: 0n,
  position: String(sequence),
  occurredAt: '',
  data: data as never,
  metadata: {},
});

function catalogEvents(): RecordedEvent[] {
  return CLUSTERS.flatMap((c, i) =>
    ['x', 'y'].flatMap((a) => [
      event('ArtistAdded', { artistId: `${c}-${a}`, name: `${c}-${a}`, genres: [`g${i}`], addedAt: '2020-01-01T00:00:00Z' }),
      event('AlbumReleased', {
        albumId: `${c}-${a}-album`,
        artistId: `${c}-${a}`,
        title: 'album',
        releaseDate: '2020-01-01',
        genres: [`g${i}`],
        tracks: Array.from({ length: 6 }, (_, n) => ({ trackId: track(c, a, n), title: `t${n}`, durationMs: 300_000, trackNumber: n + 1, genres: [] })),
      }),
    ]),
  );
}

const play = (user: string, trackId: string, atMs: number, msPlayed = 200_000) =>
  event('TrackPlayed', { userId: user, trackId, playedAt: new Date(atMs).toISOString(), msPlayed });

/** Each fan hears their cluster's tracks in sessions (a different rotation each), days ago. */
function world(): RecsModel {
  const model = new RecsModel();
  const events = catalogEvents();
  CLUSTERS.forEach((c) => {
    const tracks = clusterTracks(c);
    for (let fan = 0; fan < 6; fan++) {
      let at = NOW - 10 * DAY + fan * DAY;
      for (let s = 0; s < 2; s++) {
        for (let k = 0; k < 4; k++) events.push(play(`${c}-fan${fan}`, tracks[(fan * 3 + s * 4 + k) % tracks.length]!, (at += 4 * MIN)));
        at += 3 * 60 * MIN;
      }
    }
  });
  model.apply(events);
  return model;
}

describe('for you', () => {
  it('gives listeners of a cluster mostly that cluster, never what they heard in the last day, each with a reason', () => {
    const model = world();
    const heard = clusterTracks('c0').slice(0, 3);
    model.apply(heard.map((t, i) => play('newfan', t, NOW - 60 * MIN + i * 4 * MIN)));
    const items = new Recommender(model).recommend({ userId: 'newfan', limit: 10, nowMs: NOW });
    expect(items).toHaveLength(10);
    const ids = items.map((i) => i.trackId);
    for (const t of heard) expect(ids).not.toContain(t);
    expect(ids.filter((t) => t.startsWith('c0-')).length).toBeGreaterThanOrEqual(8);
    for (const item of items) expect(item.reasons.length).toBeGreaterThan(0);
    expect(items[0]!.reasons[0]).toEqual({ type: 'similar-to', id: expect.stringMatching(/^c0-/) });
    const scores = items.map((i) => i.score);
    expect(scores.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  });

  it('for every fan of the world: top 3 from their own cluster, nothing from their last day; two days on, top 5', () => {
    const model = world();
    const recommender = new Recommender(model);
    for (const c of CLUSTERS) {
      for (let fan = 0; fan < 6; fan++) {
        const user = `${c}-fan${fan}`;
        const nowMs = NOW - 10 * DAY + fan * DAY + 12 * 60 * MIN; // just after their sessions
        const profile = model.profileOf(user)!;
        const items = recommender.recommend({ userId: user, limit: 10, nowMs });
        for (const item of items) expect(profile.playedSince(model.tracks.lookup(item.trackId)!, nowMs - DAY), item.trackId).toBe(false);
        expect(items.slice(0, 3).every((i) => i.trackId.startsWith(`${c}-`)), `${user}: ${items.map((i) => i.trackId).join(' ')}`).toBe(true);
        const later = recommender.recommend({ userId: user, limit: 10, nowMs: nowMs + 2 * DAY });
        expect(later.slice(0, 5).every((i) => i.trackId.startsWith(`${c}-`)), `${user} later: ${later.map((i) => i.trackId).join(' ')}`).toBe(true);
      }
    }
  });

  it('a new listener gets popular tracks; one who follows an artist gets its genre’s and its tracks’ neighbours; seeded genres give those genres', () => {
    const model = world();
    const recommender = new Recommender(model);
    const cold = recommender.recommend({ userId: 'nobody', limit: 5, nowMs: NOW });
    expect(cold).toHaveLength(5);
    expect(cold.every((i) => i.reasons.some((r) => r.type === 'popular' || r.type === 'genre'))).toBe(true);

    model.apply([event('ArtistFollowed', { userId: 'follower', artistId: 'c1-x' })]);
    const follower = recommender.recommend({ userId: 'follower', limit: 5, nowMs: NOW });
    expect(follower.every((i) => i.trackId.startsWith('c1-'))).toBe(true);
    // The followed artist's best tracks are seeds: their neighbours come with the reason.
    expect(follower.some((i) => i.reasons.some((r) => r.type === 'similar-to' && r.id?.startsWith('c1-x-')))).toBe(true);

    const seeded = recommender.recommend({ userId: 'nobody', limit: 8, nowMs: NOW, seeds: { tracks: [], artists: [], genres: ['g0'] } });
    expect(seeded).toHaveLength(8);
    expect(seeded.every((i) => i.trackId.startsWith('c0-'))).toBe(true);
    expect(seeded.some((i) => i.reasons.some((r) => r.type === 'genre' && r.id === 'g0'))).toBe(true);
  });

  it('a radio goes on without repeats until the whole catalogue is served', () => {
    const model = world();
    const recommender = new Recommender(model);
    const served = new Set<string>();
    const seedTrack = track('c0', 'x', 0);
    for (let page = 0; page < 5; page++) {
      const items = recommender.recommend({ userId: 'radio', limit: 4, nowMs: NOW, seeds: { tracks: [seedTrack], artists: [], genres: [] }, served: (t) => served.has(t), lastServed: [...served].slice(-5) });
      expect(items).toHaveLength(4);
      for (const item of items) {
        expect(served.has(item.trackId)).toBe(false);
        served.add(item.trackId);
      }
    }
    expect(served.has(seedTrack)).toBe(false);
    expect([...served].slice(0, 8).every((t) => t.startsWith('c0-'))).toBe(true);
    const rest = recommender.recommend({ userId: 'radio', limit: 100, nowMs: NOW, seeds: { tracks: [seedTrack], artists: [], genres: [] }, served: (t) => served.has(t) });
    // 24 tracks in all, the seed never served: what is left, then nothing more.
    expect(rest).toHaveLength(24 - 1 - served.size);
    for (const item of rest) served.add(item.trackId);
    expect(recommender.recommend({ userId: 'radio', limit: 4, nowMs: NOW, seeds: { tracks: [seedTrack], artists: [], genres: [] }, served: (t) => served.has(t) })).toEqual([]);
  });
});

describe('scoring and re-ranking', () => {
  it('seed weight grows with plays and likes, shrinks with skips and age (never below its floor share)', () => {
    const config = { maxSeeds: 50, halfLifeDays: 30, floor: 0.4, recentCount: 5 };
    expect(seedWeight(4, 0, false, 0, config)).toBeGreaterThan(seedWeight(1, 0, false, 0, config));
    expect(seedWeight(1, 0, true, 0, config)).toBeGreaterThan(seedWeight(1, 0, false, 0, config));
    expect(seedWeight(2, 3, false, 0, config)).toBeLessThan(seedWeight(2, 0, false, 0, config));
    expect(seedWeight(0, 2, false, 0, config)).toBe(0);
    const fresh = seedWeight(3, 0, false, 0, config);
    expect(seedWeight(3, 0, false, 30 * DAY, config)).toBeCloseTo(fresh * 0.7, 6);
    expect(seedWeight(3, 0, false, 3_000 * DAY, config)).toBeCloseTo(fresh * 0.4, 6);
  });

  it('MMR and the artist cap spread a list of one artist’s hits over artists; without re-ranking it stays in relevance order', () => {
    const model = world();
    const id = (t: string) => model.tracks.lookup(t)!;
    // The six tracks of c0-x first, then those of c0-y, then c1-x: relevance decreasing.
    const ranked: Candidate[] = [...clusterTracks('c0'), ...clusterTracks('c1').slice(0, 6)].map((t, i) => ({ track: id(t), score: 100 - i, reasons: [] }));
    const artistsIn = (list: Candidate[]) => new Set(list.map((c) => model.catalog.artistOf(c.track))).size;
    const none = rerank(ranked, 6, { kind: 'none' }, model.catalog);
    expect(none.map((c) => c.score)).toEqual([100, 99, 98, 97, 96, 95]);
    expect(artistsIn(none)).toBe(1);
    const capped = rerank(ranked, 6, { kind: 'artist-cap', maxPerArtist: 2 }, model.catalog);
    expect(artistsIn(capped)).toBe(3);
    expect(capped[0]!.score).toBe(100);
    const mmr = rerank(ranked, 6, { kind: 'mmr', lambda: 0.85 }, model.catalog);
    expect(artistsIn(mmr)).toBeGreaterThanOrEqual(2);
    expect(mmr[0]!.score).toBe(100);
    expect(new Set(mmr.map((c) => c.track)).size).toBe(6);
  });
});
