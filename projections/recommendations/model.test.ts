/**
 * The listening model against a plain re-computation from the whole event list (string maps, no
 * typed arrays, no interning): for any history — several listeners, skips, sessions breaking,
 * plays uploaded late, the catalogue arriving between plays — applied in random batches, the
 * pair weights, masses, artist pairs, play counts and profiles are exactly the re-computed ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { MODEL_DEFAULTS, RecsModel } from './model.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1);
const TRACKS = 8;
const artistOf = (track: number) => `a${track % 3}`;

interface PlaySpec {
  user: number;
  track: number;
  gapMinutes: number;
  seconds: number;
}

const playSpec = fc.record({
  user: fc.nat({ max: 3 }),
  track: fc.nat({ max: TRACKS - 1 }),
  gapMinutes: fc.oneof(fc.nat({ max: 6 }), fc.nat({ max: 90 })),
  seconds: fc.oneof(fc.integer({ min: 1, max: 29 }), fc.integer({ min: 30, max: 300 })),
});

let sequence = 0;
function event(type: string, data: Record<string, unknown>): RecordedEvent {
  sequence += 1;
  return { id: `e${sequence}`, type, stream: 's', revision: 0n, position: String(sequence), occurredAt: '', data: data as never, metadata: {} };
}

function history(plays: PlaySpec[], catalogAt: number, lateEvery: number): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  let clock = T0;
  plays.forEach((p, i) => {
    if (i === catalogAt) events.push(...catalog());
    clock += p.gapMinutes * MIN;
    const late = lateEvery > 0 && i % lateEvery === lateEvery - 1;
    const at = late ? clock - 3 * 86_400_000 : clock;
    events.push(event('TrackPlayed', { userId: `u${p.user}`, trackId: `t${p.track}`, playedAt: new Date(at).toISOString(), msPlayed: p.seconds * 1000 }));
    clock += 1000;
  });
  if (catalogAt >= plays.length) events.push(...catalog());
  return events;
}

function catalog(): RecordedEvent[] {
  const artists = ['a0', 'a1', 'a2'];
  return [
    ...artists.map((a) => event('ArtistAdded', { artistId: a, name: a, genres: ['g'], addedAt: '2020-01-01T00:00:00Z' })),
    ...artists.map((a) =>
      event('AlbumReleased', {
        albumId: `al-${a}`,
        artistId: a,
        title: a,
        releaseDate: '2024-01-01',
        genres: [],
        tracks: Array.from({ length: TRACKS }, (_, t) => t)
          .filter((t) => artistOf(t) === a)
          .map((t) => ({ trackId: `t${t}`, title: `t${t}`, durationMs: 400_000, trackNumber: t + 1, genres: [] })),
      }),
    ),
  ];
}

/** The definition, computed from scratch with plain maps. */
function recompute(events: readonly RecordedEvent[]) {
  const { gapMs, skipMs, window } = MODEL_DEFAULTS.session;
  const cap = MODEL_DEFAULTS.userTrackCap;
  const known = new Set<string>();
  const pairs = new Map<string, number>();
  const mass = new Map<string, number>();
  const artistPairs = new Map<string, number>();
  const plays = new Map<string, number>();
  const users = new Map<string, { start: number; end: number; window: string[]; counts: Map<string, { plays: number; skips: number; last: number }> }>();
  const add = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
  const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  for (const e of events) {
    if (e.type === 'AlbumReleased') for (const t of (e.data as { tracks: Array<{ trackId: string }> }).tracks) known.add(t.trackId);
    if (e.type !== 'TrackPlayed') continue;
    const { userId, trackId, playedAt, msPlayed } = e.data as { userId: string; trackId: string; playedAt: string; msPlayed: number };
    const start = Date.parse(playedAt);
    let u = users.get(userId);
    if (!u) users.set(userId, (u = { start: Number.NaN, end: Number.NaN, window: [], counts: new Map() }));
    if (Number.isNaN(u.start) || start - u.end > gapMs || u.start - start > gapMs) u.window = [];
    u.start = start;
    u.end = start + msPlayed;
    const partners = u.window.filter((t) => t !== trackId);
    const c = u.counts.get(trackId) ?? { plays: 0, skips: 0, last: start };
    u.counts.set(trackId, c);
    c.last = Math.max(c.last, start);
    if (msPlayed < skipMs) {
      c.skips += 1;
      const before = partners[partners.length - 1];
      if (before !== undefined && c.skips <= cap) add(pairs, pairKey(before, trackId), -MODEL_DEFAULTS.skipPenalty);
      continue;
    }
    c.plays += 1;
    add(plays, trackId, 1);
    u.window = [...u.window.filter((t) => t !== trackId), trackId].slice(-(window - 1));
    if (c.plays > cap) continue;
    for (const p of partners) {
      add(pairs, pairKey(p, trackId), 1);
      add(mass, p, 1);
      add(mass, trackId, 1);
      if (known.has(p) && known.has(trackId) && artistOf(Number(p.slice(1))) !== artistOf(Number(trackId.slice(1)))) {
        add(artistPairs, pairKey(artistOf(Number(p.slice(1))), artistOf(Number(trackId.slice(1)))), 1);
      }
    }
  }
  return { pairs, mass, artistPairs, plays, users };
}

function applyInBatches(events: readonly RecordedEvent[], sizes: readonly number[]): RecsModel {
  const model = new RecsModel();
  let at = 0;
  let i = 0;
  while (at < events.length) {
    const size = sizes.length > 0 ? sizes[i++ % sizes.length]! : events.length;
    model.apply(events.slice(at, at + size));
    at += size;
  }
  return model;
}

describe('the listening model', () => {
  it('equals a re-computation from all the events, however they are batched', () => {
    fc.assert(
      fc.property(
        fc.array(playSpec, { minLength: 5, maxLength: 150, size: 'max' }),
        fc.nat({ max: 130 }),
        fc.nat({ max: 9 }),
        fc.array(fc.integer({ min: 1, max: 25 }), { maxLength: 6 }),
        (plays, catalogAt, lateEvery, sizes) => {
          const events = history(plays, catalogAt, lateEvery);
          const model = applyInBatches(events, sizes);
          const rebuilt = applyInBatches(events, []);
          expect(model.trackCo.snapshot()).toEqual(rebuilt.trackCo.snapshot());
          const expected = recompute(events);
          const name = (id: number) => model.tracks.name(id);
          const pairs = new Map<string, number>();
          for (const [a, row] of model.trackCo.snapshot()) {
            for (const [b, w] of row) if (name(a) < name(b)) pairs.set(`${name(a)}|${name(b)}`, w);
          }
          expect(new Map([...pairs].sort())).toEqual(new Map([...expected.pairs].sort()));
          for (let t = 0; t < TRACKS; t++) {
            const id = model.tracks.lookup(`t${t}`);
            if (id === undefined) continue;
            expect(model.trackCo.massOf(id)).toBe(expected.mass.get(`t${t}`) ?? 0);
            expect(model.popularity.plays(id)).toBe(expected.plays.get(`t${t}`) ?? 0);
          }
          const artistPairs = new Map<string, number>();
          for (const [a, row] of model.artistCo.snapshot()) {
            const an = model.catalog.artists.name(a);
            for (const [b, w] of row) if (an < model.catalog.artists.name(b)) artistPairs.set(`${an}|${model.catalog.artists.name(b)}`, w);
          }
          expect(new Map([...artistPairs].sort())).toEqual(new Map([...expected.artistPairs].sort()));
          for (const [userId, u] of expected.users) {
            const profile = model.profileOf(userId)!;
            for (const [trackId, c] of u.counts) {
              expect(profile.stats(model.tracks.lookup(trackId)!)).toMatchObject({ plays: c.plays, skips: c.skips, lastAtMs: c.last });
            }
          }
        },
      ),
    );
  });

  it('stops on a malformed event without changing anything', () => {
    const model = new RecsModel();
    model.apply([event('TrackPlayed', { userId: 'u1', trackId: 't1', playedAt: new Date(T0).toISOString(), msPlayed: 100_000 })]);
    const before = JSON.stringify({ co: model.trackCo.snapshot(), plays: model.playsApplied });
    for (const data of [{ userId: 'u1', trackId: 't2', playedAt: 'yesterday', msPlayed: 100_000 }, { userId: 'u1', trackId: 5, playedAt: new Date(T0).toISOString(), msPlayed: 1 }]) {
      expect(() => model.apply([event('TrackPlayed', data)])).toThrow(/malformed/);
    }
    expect(() => model.apply([event('AlbumReleased', { albumId: 'x', artistId: 'a', releaseDate: '2024', tracks: 'none' })])).toThrow(/malformed/);
    expect(JSON.stringify({ co: model.trackCo.snapshot(), plays: model.playsApplied })).toBe(before);
  });
});
