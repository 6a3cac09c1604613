import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { attempt, given } from '../shared/given-when-then.js';
import { CLOCK_SKEW_MS, PLAY_MARGIN_MS, listensDecider, type RecordPlay } from './decider.js';
import { CHART_THRESHOLD_MS, PLAY_CONTEXT_TYPES, countsTowardCharts, type TrackPlayed } from './events.js';

const at = '2024-05-01T12:00:00.000Z';
const atMs = Date.parse(at);
const iso = (ms: number) => new Date(ms).toISOString();
const TRACK_MS = 200_000;

const play = (over: Partial<RecordPlay> = {}): RecordPlay => ({
  type: 'RecordPlay',
  userId: 'alice',
  trackId: 'trk-1',
  trackDurationMs: TRACK_MS,
  msPlayed: 60_000,
  playedAt: '2024-05-01T11:50:00.000Z',
  at,
  ...over,
});
const played = (data: Partial<TrackPlayed['data']> = {}): TrackPlayed => ({
  type: 'TrackPlayed',
  data: { userId: 'alice', trackId: 'trk-1', playedAt: '2024-05-01T11:50:00.000Z', msPlayed: 60_000, ...data },
});

/** The one event a play records (asserting there is exactly one). */
const recorded = (command: RecordPlay): TrackPlayed['data'] => {
  const events = listensDecider.decide(command, null);
  expect(events).toHaveLength(1);
  return events[0]!.data;
};

describe('listens decider: recording plays', () => {
  it('a play records TrackPlayed with the user, track, time and length played', () => {
    given(listensDecider).when(play()).then([played()]);
  });

  it('playedAt defaults to the time the server received the play', () => {
    given(listensDecider)
      .when(play({ playedAt: undefined }))
      .then([played({ playedAt: at })]);
  });

  it('playedAt and at are normalised to UTC ISO times', () => {
    given(listensDecider)
      .when(play({ playedAt: '2024-05-01T13:50:00+02:00', at: '2024-05-01T14:00:00+02:00' }))
      .then([played({ playedAt: '2024-05-01T11:50:00.000Z' })]);
  });

  it('a play of a track the catalog does not know is rejected with TRACK_NOT_FOUND', () => {
    given(listensDecider).when(play({ trackDurationMs: undefined })).thenRejects('TRACK_NOT_FOUND');
  });

  it.each([
    ['userId', { userId: '' }],
    ['userId', { userId: 'a b' }],
    ['trackId', { trackId: '-trk' }],
    ['trackId', { trackId: 't'.repeat(129) }],
    ['deviceId', { deviceId: 'phone #1' }],
    ['deviceId', { deviceId: '' }],
  ] satisfies [string, Partial<RecordPlay>][])('a bad %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(listensDecider).when(play(over)).thenRejects('VALIDATION_FAILED');
  });

  it('a bad id is rejected before an unknown track', () => {
    given(listensDecider).when(play({ trackId: 'bad id', trackDurationMs: undefined })).thenRejects('VALIDATION_FAILED');
  });

  it.each([
    ['at', { at: 'now' }],
    ['at', { at: '' }],
    ['playedAt', { playedAt: 'earlier' }],
    ['playedAt', { playedAt: '2024-02-30T25:00:00Z' }],
  ] satisfies [string, Partial<RecordPlay>][])('a %s that is not a time is rejected with VALIDATION_FAILED', (_what, over) => {
    given(listensDecider).when(play(over)).thenRejects('VALIDATION_FAILED');
  });

  it('the device id is recorded when given', () => {
    given(listensDecider)
      .when(play({ deviceId: 'phone-1' }))
      .then([played({ deviceId: 'phone-1' })]);
  });
});

describe('listens decider: how long a play may be', () => {
  it('a play under 30 s is recorded but does not count toward charts', () => {
    const data = recorded(play({ msPlayed: 29_999 }));
    expect(data.msPlayed).toBe(29_999);
    expect(countsTowardCharts(data)).toBe(false);
  });

  it('a play of exactly 30 s counts toward charts', () => {
    expect(CHART_THRESHOLD_MS).toBe(30_000);
    expect(countsTowardCharts(recorded(play({ msPlayed: 30_000 })))).toBe(true);
  });

  it('a play of 0 ms is recorded (a skip) and does not count', () => {
    expect(countsTowardCharts(recorded(play({ msPlayed: 0 })))).toBe(false);
  });

  it('a play longer than the track plus 10 s is rejected with INVALID_PLAY', () => {
    expect(PLAY_MARGIN_MS).toBe(10_000);
    given(listensDecider)
      .when(play({ msPlayed: TRACK_MS + PLAY_MARGIN_MS + 1 }))
      .thenRejects('INVALID_PLAY');
  });

  it('a play of exactly the track plus 10 s is accepted (seeking and rounding)', () => {
    given(listensDecider)
      .when(play({ msPlayed: TRACK_MS + PLAY_MARGIN_MS }))
      .then([played({ msPlayed: TRACK_MS + PLAY_MARGIN_MS })]);
  });

  it.each([
    ['negative', -1],
    ['not a whole number', 1_000.5],
    ['not a number', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['beyond a safe integer', Number.MAX_SAFE_INTEGER + 1],
  ])('a msPlayed that is %s is rejected with INVALID_PLAY', (_what, msPlayed) => {
    given(listensDecider).when(play({ msPlayed })).thenRejects('INVALID_PLAY');
  });

  it('an unknown track is rejected before a bad length', () => {
    given(listensDecider).when(play({ trackDurationMs: undefined, msPlayed: -1 })).thenRejects('TRACK_NOT_FOUND');
  });
});

describe('listens decider: when a play happened', () => {
  it('a playedAt in the future beyond the 5 min clock skew is rejected with INVALID_PLAY', () => {
    expect(CLOCK_SKEW_MS).toBe(300_000);
    given(listensDecider)
      .when(play({ playedAt: iso(atMs + CLOCK_SKEW_MS + 1) }))
      .thenRejects('INVALID_PLAY');
  });

  it('a playedAt ahead of the server by exactly the clock skew is accepted', () => {
    given(listensDecider)
      .when(play({ playedAt: iso(atMs + CLOCK_SKEW_MS) }))
      .then([played({ playedAt: iso(atMs + CLOCK_SKEW_MS) })]);
  });

  it('a playedAt a little ahead of the server (within skew) is accepted', () => {
    given(listensDecider)
      .when(play({ playedAt: iso(atMs + 60_000) }))
      .then([played({ playedAt: iso(atMs + 60_000) })]);
  });

  it('a play made offline long ago arrives later with its original playedAt', () => {
    given(listensDecider)
      .when(play({ playedAt: '2024-03-01T08:00:00.000Z' }))
      .then([played({ playedAt: '2024-03-01T08:00:00.000Z' })]);
  });

  it('a bad length is rejected before a playedAt in the future', () => {
    given(listensDecider)
      .when(play({ msPlayed: -5, playedAt: iso(atMs + 3_600_000) }))
      .thenRejects('INVALID_PLAY');
  });
});

describe('listens decider: play context', () => {
  it.each(PLAY_CONTEXT_TYPES.filter((type) => type !== 'search'))('a %s context is recorded with its id', (type) => {
    given(listensDecider)
      .when(play({ context: { type, id: 'ctx-1' } }))
      .then([played({ context: { type, id: 'ctx-1' } })]);
  });

  it.each(PLAY_CONTEXT_TYPES.filter((type) => type !== 'search'))('a %s context without its id is rejected with VALIDATION_FAILED', (type) => {
    given(listensDecider)
      .when(play({ context: { type } }))
      .thenRejects('VALIDATION_FAILED');
  });

  it('a search context needs no id', () => {
    given(listensDecider)
      .when(play({ context: { type: 'search' } }))
      .then([played({ context: { type: 'search' } })]);
  });

  it('a search context may carry an id', () => {
    given(listensDecider)
      .when(play({ context: { type: 'search', id: 'q-42' } }))
      .then([played({ context: { type: 'search', id: 'q-42' } })]);
  });

  it('a context of an unknown type is rejected with VALIDATION_FAILED', () => {
    const context = { type: 'radio', id: 'r-1' } as unknown as RecordPlay['context'];
    given(listensDecider).when(play({ context })).thenRejects('VALIDATION_FAILED');
  });

  it('a context id that is not an id is rejected with VALIDATION_FAILED', () => {
    given(listensDecider)
      .when(play({ context: { type: 'playlist', id: 'my playlist' } }))
      .thenRejects('VALIDATION_FAILED');
  });

  it('only the type and id of a context are recorded', () => {
    const context = { type: 'album', id: 'alb-1', extra: 'dropped' } as RecordPlay['context'];
    given(listensDecider)
      .when(play({ context }))
      .then([played({ context: { type: 'album', id: 'alb-1' } })]);
  });
});

describe('listens decider: evolve', () => {
  it('the listens stream has no state: folding any plays gives null', () => {
    expect(fold(listensDecider, [played(), played({ msPlayed: 1 })])).toBeNull();
  });
});

describe('listens decider: properties', () => {
  const durationArb = fc.integer({ min: 1, max: 24 * 60 * 60_000 });

  it('any whole msPlayed from 0 to the track plus the margin is recorded as is, and counts toward charts iff it is at least 30 s', () => {
    fc.assert(
      fc.property(
        durationArb.chain((duration) => fc.tuple(fc.constant(duration), fc.integer({ min: 0, max: duration + PLAY_MARGIN_MS }))),
        ([trackDurationMs, msPlayed]) => {
          const data = recorded(play({ trackDurationMs, msPlayed }));
          expect(data.msPlayed).toBe(msPlayed);
          expect(countsTowardCharts(data)).toBe(msPlayed >= CHART_THRESHOLD_MS);
        },
      ),
    );
  });

  it('any msPlayed beyond the track plus the margin is rejected with INVALID_PLAY', () => {
    fc.assert(
      fc.property(durationArb, fc.integer({ min: 1, max: 1_000_000_000 }), (trackDurationMs, over) => {
        expect(attempt(listensDecider, play({ trackDurationMs, msPlayed: trackDurationMs + PLAY_MARGIN_MS + over }), null)).toStrictEqual({
          rejected: 'INVALID_PLAY',
        });
      }),
    );
  });

  it('a playedAt is accepted iff it is at most the clock skew ahead of the server', () => {
    fc.assert(
      fc.property(fc.integer({ min: -365 * 24 * 3_600_000, max: 2 * CLOCK_SKEW_MS }), (offset) => {
        const outcome = attempt(listensDecider, play({ playedAt: iso(atMs + offset) }), null);
        expect(outcome).toStrictEqual(offset <= CLOCK_SKEW_MS ? { events: [played({ playedAt: iso(atMs + offset) })] } : { rejected: 'INVALID_PLAY' });
      }),
    );
  });
});
