import { describe, expect, it } from 'vitest';
import type { DomainError } from '../shared/errors.js';
import { decidePlayQueue, MAX_QUEUE_TRACKS, type SavePlayQueue } from './decider.js';

const save = (overrides: Partial<SavePlayQueue> = {}): SavePlayQueue => ({
  type: 'SavePlayQueue',
  userId: 'ann',
  deviceId: 'DSub',
  trackIds: ['t1', 't2'],
  current: 't2',
  positionMs: 1_500,
  unknownTracks: [],
  at: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const refusal = (command: SavePlayQueue) => {
  try {
    decidePlayQueue(command, null);
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('play queue decider', () => {
  it('given any state, when a queue is saved, then PlayQueueSaved carries it', () => {
    expect(decidePlayQueue(save(), null)).toEqual([
      { type: 'PlayQueueSaved', data: { userId: 'ann', deviceId: 'DSub', trackIds: ['t1', 't2'], current: 't2', positionMs: 1_500, at: '2026-01-01T00:00:00.000Z' } },
    ]);
    expect(decidePlayQueue(save({ trackIds: [], current: undefined, positionMs: 0 }), null)[0]!.data.trackIds).toEqual([]);
  });

  it('refuses unknown tracks, a current track not queued, a bad position, too many tracks', () => {
    expect(refusal(save({ unknownTracks: ['t9'] }))).toBe('TRACK_NOT_FOUND');
    expect(refusal(save({ current: 't3' }))).toBe('VALIDATION_FAILED');
    expect(refusal(save({ positionMs: -1 }))).toBe('VALIDATION_FAILED');
    expect(refusal(save({ positionMs: 1.5 }))).toBe('VALIDATION_FAILED');
    expect(refusal(save({ trackIds: Array.from({ length: MAX_QUEUE_TRACKS + 1 }, (_, i) => `t${i}`), current: undefined }))).toBe('VALIDATION_FAILED');
  });
});
