/**
 * Property: the `recommendations` projection (the live listening model fed by a subscription to a
 * real PostgreSQL event store) ends, for any history appended in random batches while it runs,
 * in exactly the model a rebuild from the events produces — its own `rebuild()`, and a model that
 * reads `$all` from the start in one pass. Histories: a few listeners, skips, sessions that break,
 * plays uploaded late, the catalogue arriving between plays, follows and likes.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent } from '../../gateways/event-store/port.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { LiveRecsModel } from '../../projections/recommendations/live.js';
import { MODEL_EVENT_TYPES, RecsModel } from '../../projections/recommendations/model.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1);
const TRACKS = 8;
const artistOf = (track: number) => `a${track % 3}`;

type Step =
  | { kind: 'play'; user: number; track: number; gapMinutes: number; seconds: number; late: boolean }
  | { kind: 'follow'; user: number; artist: number; on: boolean }
  | { kind: 'like'; user: number; track: number; on: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('play' as const), user: fc.nat({ max: 3 }), track: fc.nat({ max: TRACKS - 1 }), gapMinutes: fc.oneof(fc.nat({ max: 6 }), fc.nat({ max: 90 })), seconds: fc.oneof(fc.integer({ min: 1, max: 29 }), fc.integer({ min: 30, max: 300 })), late: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('follow' as const), user: fc.nat({ max: 3 }), artist: fc.nat({ max: 2 }), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('like' as const), user: fc.nat({ max: 3 }), track: fc.nat({ max: TRACKS - 1 }), on: fc.boolean() }) },
);

let counter = 0;
const newId = () => `0190b000-0000-7000-8000-${String(++counter).padStart(12, '0')}`;

function catalog(): Array<{ stream: string; event: NewEvent }> {
  const artists = ['a0', 'a1', 'a2'];
  return artists.flatMap((a): Array<{ stream: string; event: NewEvent }> => [
    { stream: `catalog-${a}`, event: { id: newId(), type: 'ArtistAdded', data: { artistId: a, name: a, genres: ['g'], addedAt: '2020-01-01T00:00:00Z' } } },
    {
      stream: `catalog-${a}`,
      event: {
        id: newId(),
        type: 'AlbumReleased',
        data: {
          albumId: `al-${a}`,
          artistId: a,
          title: a,
          releaseDate: '2024-01-01',
          genres: [],
          tracks: Array.from({ length: TRACKS }, (_, t) => t)
            .filter((t) => artistOf(t) === a)
            .map((t) => ({ trackId: `t${t}`, title: `t${t}`, durationMs: 400_000, trackNumber: t + 1, genres: [] })),
        },
      },
    },
  ]);
}

function history(steps: readonly Step[], catalogAt: number): Array<{ stream: string; event: NewEvent }> {
  const out: Array<{ stream: string; event: NewEvent }> = [];
  let clock = T0;
  steps.forEach((s, i) => {
    if (i === catalogAt) out.push(...catalog());
    const user = `u${s.user}`;
    if (s.kind === 'play') {
      clock += s.gapMinutes * MIN;
      const at = s.late ? clock - 3 * 86_400_000 : clock;
      out.push({ stream: `listens-${user}`, event: { id: newId(), type: 'TrackPlayed', data: { userId: user, trackId: `t${s.track}`, playedAt: new Date(at).toISOString(), msPlayed: s.seconds * 1000 } } });
      clock += 1000;
    } else if (s.kind === 'follow') {
      out.push({ stream: `user-${user}`, event: { id: newId(), type: s.on ? 'ArtistFollowed' : 'ArtistUnfollowed', data: { userId: user, artistId: `a${s.artist}` } } });
    } else {
      out.push({ stream: `user-${user}`, event: { id: newId(), type: s.on ? 'TrackLiked' : 'TrackUnliked', data: { userId: user, trackId: `t${s.track}` } } });
    }
  });
  if (catalogAt >= steps.length) out.push(...catalog());
  return out;
}

/** Everything the model holds that recommendations read, in a comparable form. */
function snapshot(model: RecsModel) {
  const profiles: unknown[] = [];
  model.forEachProfile((user, profile) => {
    const tracks: unknown[] = [];
    profile.forEachTrack((track, plays, skips, last) => tracks.push([model.tracks.name(track), plays, skips, last]));
    profiles.push([user, tracks, [...profile.likes].map((t) => model.tracks.name(t)).sort(), [...profile.followedArtists].map((a) => model.catalog.artists.name(a)).sort()]);
  });
  const named = (rows: Array<[number, Array<[number, number]>]>, name: (id: number) => string) =>
    rows.map(([a, row]) => [name(a), row.map(([b, w]) => [name(b), w]).sort()]).sort();
  const popularity: unknown[] = [];
  model.popularity.forEachAllTime((track, plays) => popularity.push([model.tracks.name(track), plays]));
  return {
    events: model.eventsApplied,
    trackPairs: named(model.trackCo.snapshot(), (id) => model.tracks.name(id)),
    artistPairs: named(model.artistCo.snapshot(), (id) => model.catalog.artists.name(id)),
    popularity: popularity.sort(),
    profiles: profiles.sort(),
  };
}

let db: TestDatabase;
let sql: SqlClient;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase('recs_live');
  sql = createPgClient({ connectionString: db.url, applicationName: 'recs-live-property', max: 4 });
});
afterAll(async () => {
  await sql?.close();
  await db?.drop();
});

describe('the recommendations projection', () => {
  it('followed live, in random batches, equals a rebuild from the events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 60 }),
        fc.nat({ max: 60 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        async (steps, catalogAt, sizes) => {
          await sql.query('drop schema public cascade; create schema public');
          const store = await PostgresEventStore.open(sql);
          const live = new LiveRecsModel(store, logger);
          try {
            await live.start();
            const events = history(steps, catalogAt);
            let at = 0;
            let i = 0;
            let last = '';
            while (at < events.length) {
              const batch = events.slice(at, at + sizes[i++ % sizes.length]!);
              at += batch.length;
              const outcomes = await store.appendMany(batch.map((e) => ({ stream: e.stream, events: [e.event] })));
              for (const outcome of outcomes) if (outcome.ok) last = outcome.result.position;
            }
            expect(await live.waitFor(last, 30_000)).toBe(true);
            const incremental = snapshot(live.model);

            const fresh = new RecsModel();
            for await (const event of store.readAll({ filter: { eventTypes: MODEL_EVENT_TYPES } })) fresh.applyOne(event);
            expect(incremental).toEqual(snapshot(fresh));

            await live.rebuild();
            expect(await live.waitFor(last, 30_000)).toBe(true);
            expect(snapshot(live.model)).toEqual(incremental);
          } finally {
            await live.stop();
            await store.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
