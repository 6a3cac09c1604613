/** The catalog decider's properties: random albums and command histories. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { attempt } from '../shared/given-when-then.js';
import { MAX_TRACK_MS, catalogDecider, type CatalogCommand, type CatalogState, type TrackInput } from './decider.js';
import type { CatalogEvent } from './events.js';
import { at, later, artistAdded, release, mp3 } from './decider.fixtures.js';

/** A valid album: distinct track ids and numbers, durations in range. */
const albumTracksArb: fc.Arbitrary<TrackInput[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 })
  .chain((numbers) =>
    fc.tuple(
      fc.constant(numbers),
      fc.array(fc.integer({ min: 1, max: MAX_TRACK_MS }), { minLength: numbers.length, maxLength: numbers.length }),
      fc.shuffledSubarray(
        Array.from({ length: 40 }, (_, i) => `t${i}`),
        { minLength: numbers.length, maxLength: numbers.length },
      ),
    ),
  )
  .map(([numbers, durations, ids]) => numbers.map((trackNumber, i) => ({ trackId: ids[i]!, title: `Song ${trackNumber}`, durationMs: durations[i]!, trackNumber })));

const catalogCommandArb: fc.Arbitrary<CatalogCommand> = fc.oneof(
  fc.record({ type: fc.constant('AddArtist' as const), artistId: fc.constant('art-1'), name: fc.constantFrom('The Band', 'Other'), at: fc.constant(at) }),
  fc.record({
    type: fc.constant('ReleaseAlbum' as const),
    artistId: fc.constant('art-1'),
    albumId: fc.constantFrom('alb-1', 'alb-2', 'alb-3'),
    title: fc.constant('Title'),
    releaseDate: fc.constant('2024'),
    tracks: albumTracksArb,
  }),
  fc.record({
    type: fc.constant('AttachTrackAudio' as const),
    artistId: fc.constant('art-1'),
    trackId: fc.constantFrom('t0', 't1', 't2', 't3'),
    audio: fc.constantFrom(mp3, { uri: 'u', mimeType: 'audio/ogg' }),
    at: fc.constant(later),
  }),
  fc.record({
    type: fc.constant('ReviseAlbum' as const),
    artistId: fc.constant('art-1'),
    albumId: fc.constantFrom('alb-1', 'alb-2', 'alb-3'),
    title: fc.constantFrom('Title', 'Retitled'),
    releaseDate: fc.constantFrom('', '2024'),
    tracks: albumTracksArb,
  }),
  fc.record({
    type: fc.constant('ChangeTrackAvailability' as const),
    artistId: fc.constant('art-1'),
    trackId: fc.constantFrom('t0', 't1', 't2', 't3'),
    available: fc.option(fc.boolean(), { nil: undefined }),
    markets: fc.option(fc.option(fc.constantFrom<string[]>(['SE'], ['NO', 'SE'], []), { nil: null }), { nil: undefined }),
    reason: fc.constantFrom('source-missing' as const, 'markets-changed' as const),
    at: fc.constant(later),
  }),
);

function run(commands: readonly CatalogCommand[]): { events: CatalogEvent[]; state: CatalogState } {
  const events: CatalogEvent[] = [];
  let state = catalogDecider.initialState;
  for (const command of commands) {
    const outcome = attempt(catalogDecider, command, state);
    if ('events' in outcome) {
      events.push(...outcome.events);
      state = outcome.events.reduce(catalogDecider.evolve, state);
    }
  }
  return { events, state };
}

describe('catalog decider: properties', () => {
  it('re-importing any album, its tracks in any order, records nothing; its tracks are recorded in number order', () => {
    fc.assert(
      fc.property(
        albumTracksArb.chain((tracks) => fc.tuple(fc.constant(tracks), fc.shuffledSubarray(tracks, { minLength: tracks.length, maxLength: tracks.length }))),
        ([tracks, shuffled]) => {
          const first = attempt(catalogDecider, release({ tracks }), fold(catalogDecider, [artistAdded]));
          if (!('events' in first)) throw new Error(`rejected with ${first.rejected}`);
          const numbers = first.events.flatMap((e) => (e.type === 'AlbumReleased' ? e.data.tracks.map((t) => t.trackNumber) : []));
          expect(numbers).toStrictEqual([...numbers].sort((a, b) => a - b));
          const state = fold(catalogDecider, [artistAdded, ...first.events]);
          expect(attempt(catalogDecider, release({ tracks: shuffled }), state)).toStrictEqual({ events: [] });
        },
      ),
    );
  });

  it('every accepted catalog command, decided again right after, records nothing', () => {
    fc.assert(
      fc.property(fc.array(catalogCommandArb, { maxLength: 20 }), catalogCommandArb, (history, command) => {
        const { state } = run(history);
        const first = attempt(catalogDecider, command, state);
        fc.pre('events' in first);
        const after = first.events.reduce(catalogDecider.evolve, state);
        expect(attempt(catalogDecider, command, after)).toStrictEqual({ events: [] });
      }),
    );
  });

  it('a track belongs to exactly one album: the track index and the albums agree in every reachable state', () => {
    fc.assert(
      fc.property(fc.array(catalogCommandArb, { maxLength: 30 }), (commands) => {
        const { state } = run(commands);
        if (state.status !== 'added') return;
        const fromAlbums = new Map<string, string>();
        for (const album of state.albums.values()) {
          for (const t of album.tracks) {
            expect(fromAlbums.has(t.trackId)).toBe(false);
            fromAlbums.set(t.trackId, album.albumId);
          }
        }
        expect(new Map([...state.tracks].map(([trackId, t]) => [trackId, t.albumId]))).toStrictEqual(fromAlbums);
      }),
    );
  });

  it('evolve is deterministic and rebuilding from the events equals the state built step by step', () => {
    fc.assert(
      fc.property(fc.array(catalogCommandArb, { maxLength: 30 }), (commands) => {
        const { events, state } = run(commands);
        expect(fold(catalogDecider, events)).toStrictEqual(fold(catalogDecider, events));
        expect(fold(catalogDecider, events)).toStrictEqual(state);
      }),
    );
  });
});
