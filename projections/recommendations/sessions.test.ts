import { describe, expect, it } from 'vitest';
import { SESSION_DEFAULTS, advanceSession, newSessionState } from './sessions.js';

const MIN = 60_000;
const config = SESSION_DEFAULTS;

/** Plays of (track, start minute, seconds played) through one session state; the steps. */
function replay(plays: Array<[number, number, number]>) {
  const state = newSessionState();
  return plays.map(([track, minute, seconds]) => advanceSession(state, track, minute * MIN, seconds * 1000, config));
}

describe('listening sessions', () => {
  it('pair a play with the distinct tracks before it in the window', () => {
    const steps = replay([
      [1, 0, 200],
      [2, 4, 200],
      [1, 8, 200],
      [3, 12, 200],
    ]);
    expect(steps.map((s) => s.partners)).toEqual([[], [1], [2], [2, 1]]);
    expect(steps[0]!.opened).toBe(true);
    expect(steps.slice(1).every((s) => !s.opened)).toBe(true);
  });

  it('break after 30 minutes of silence, counted from the end of the last play', () => {
    // Ends at 0:03:00; the next starts 30 min later (not a break) and ends at 0:36:00; the one
    // after starts 31 min after that (a break).
    const steps = replay([
      [1, 0, 180],
      [2, 33, 180],
      [3, 67, 180],
    ]);
    expect(steps.map((s) => s.opened)).toEqual([true, false, true]);
    expect(steps[2]!.partners).toEqual([]);
  });

  it('treat plays under 30 s as skips: never in the window, so never co-listened', () => {
    const steps = replay([
      [1, 0, 200],
      [2, 4, 10],
      [3, 5, 200],
    ]);
    expect(steps[1]).toMatchObject({ skip: true, partners: [1] });
    expect(steps[2]!.partners).toEqual([1]);
  });

  it('keep at most window − 1 tracks, dropping the oldest', () => {
    const steps = replay(Array.from({ length: 8 }, (_, i): [number, number, number] => [i, i * 4, 200]));
    expect(steps[7]!.partners).toEqual([3, 4, 5, 6]);
  });

  it('start a new session for a play far back in time (uploaded late from an offline device)', () => {
    const steps = replay([
      [1, 600, 200],
      [2, 10, 200],
      [3, 14, 200],
    ]);
    expect(steps.map((s) => s.opened)).toEqual([true, true, false]);
    expect(steps[2]!.partners).toEqual([2]);
  });
});
