import { describe, expect, it } from 'vitest';
import { thrownBy } from '../shared/given-when-then.js';
import type { DomainError } from '../shared/errors.js';
import { allows, decideStream, type Listener, type StreamableTrack } from './policy.js';

const track = (over: Partial<StreamableTrack> = {}): StreamableTrack => ({ trackId: 't1', hasRenditions: true, available: true, markets: null, lossless: true, ...over });
const free: Listener = { plan: 'free', country: 'SE' };
const premium: Listener = { plan: 'premium', country: 'SE' };
const code = (f: () => unknown) => (thrownBy(f) as DomainError).code;

describe('stream policy', () => {
  it('free listeners get low whatever they ask for; premium get the best the track has unless they ask for less', () => {
    expect(decideStream(track(), free)).toBe('low');
    expect(decideStream(track(), free, 'lossless')).toBe('low');
    expect(decideStream(track(), premium)).toBe('lossless');
    expect(decideStream(track({ lossless: false }), premium)).toBe('high');
    expect(decideStream(track({ lossless: false }), premium, 'lossless')).toBe('high');
    expect(decideStream(track(), premium, 'low')).toBe('low');
    expect(decideStream(track(), premium, 'high')).toBe('high');
  });

  it('a track without renditions or whose file is gone has no audio', () => {
    expect(code(() => decideStream(track({ hasRenditions: false }), premium))).toBe('TRACK_HAS_NO_AUDIO');
    expect(code(() => decideStream(track({ available: false }), premium))).toBe('TRACK_HAS_NO_AUDIO');
  });

  it('a track limited to markets plays only in them, and not for a listener without a country', () => {
    expect(decideStream(track({ markets: ['NO', 'SE'] }), free)).toBe('low');
    expect(code(() => decideStream(track({ markets: ['NO'] }), free))).toBe('TRACK_UNAVAILABLE_IN_REGION');
    expect(code(() => decideStream(track({ markets: [] }), free))).toBe('TRACK_UNAVAILABLE_IN_REGION');
    expect(code(() => decideStream(track({ markets: ['SE'] }), { plan: 'free', country: null }))).toBe('TRACK_UNAVAILABLE_IN_REGION');
    expect(decideStream(track(), { plan: 'free', country: null })).toBe('low');
  });

  it('a URL signed for a quality serves that quality and below', () => {
    expect(allows('high', 'low')).toBe(true);
    expect(allows('high', 'high')).toBe(true);
    expect(allows('high', 'lossless')).toBe(false);
    expect(allows('low', 'high')).toBe(false);
  });
});
