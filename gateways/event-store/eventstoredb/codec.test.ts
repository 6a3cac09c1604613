import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventMetadata, JsonValue } from '../port.js';
import { START } from '../position.js';
import {
  OCCURRED_AT_KEY,
  decodeMetadata,
  encodeMetadata,
  fromEsdbPosition,
  isSystemEvent,
  knownPosition,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  type StoredEvent,
} from './codec.js';

const U64_MAX = (1n << 64n) - 1n;
const TIME = '2024-05-01T12:00:00.000Z';

/** Keys near the reserved one, to exercise the escaping. */
const metadataKey = fc.oneof(
  fc.string(),
  fc.constantFrom('$occurredAt', '$$occurredAt', '$$$occurredAt', 'occurredAt', '$occurredAtX', '$', '__proto__', 'actorId'),
);
const metadata = fc
  .array(fc.tuple(metadataKey, fc.jsonValue()), { maxLength: 8 })
  .map((entries) => Object.fromEntries(entries) as EventMetadata);

/** What the server hands back: the metadata after a JSON round trip. */
function throughServer(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function stored(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    streamId: 'playlist-1',
    id: '0190A5B4-0000-7000-8000-000000000001',
    revision: 3n,
    type: 'PlaylistCreated',
    data: { name: 'Mix' },
    metadata: { actorId: 'user-1', [OCCURRED_AT_KEY]: TIME },
    created: new Date('2024-05-02T00:00:00.000Z'),
    ...overrides,
  };
}

describe('event metadata', () => {
  it('round-trips any writer metadata and the time it happened', () => {
    fc.assert(
      fc.property(metadata, fc.date({ noInvalidDate: true }), (written, date) => {
        const occurredAt = date.toISOString();
        const decoded = decodeMetadata(throughServer(encodeMetadata(written, occurredAt)));
        expect(decoded).toEqual({ metadata: throughServer(written), occurredAt });
      }),
    );
  });

  it('stores the time under the reserved key and escapes look-alike writer keys', () => {
    const encoded = encodeMetadata({ $occurredAt: 'mine', occurredAt: 'also mine' }, TIME);
    expect(encoded).toEqual({ $$occurredAt: 'mine', occurredAt: 'also mine', [OCCURRED_AT_KEY]: TIME });
  });

  it('keeps a __proto__ key as data', () => {
    const written = JSON.parse('{"__proto__":{"x":1}}') as EventMetadata;
    const { metadata: decoded } = decodeMetadata(throughServer(encodeMetadata(written, TIME)));
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });

  it('reads missing or non-object metadata as empty', () => {
    expect(decodeMetadata(undefined)).toEqual({ metadata: {}, occurredAt: undefined });
    expect(decodeMetadata(new Uint8Array([1, 2]))).toEqual({ metadata: {}, occurredAt: undefined });
    expect(decodeMetadata([1, 2] as JsonValue)).toEqual({ metadata: {}, occurredAt: undefined });
  });
});

describe('toEventData', () => {
  it('writes a JSON event with the writer id, type and data', () => {
    const id = '0190a5b4-0000-7000-8000-000000000001';
    const event = toEventData({ id, type: 'TrackPlayed', data: { trackId: 't-1' }, metadata: { actorId: 'u' }, occurredAt: TIME });
    expect(event).toEqual({
      id,
      contentType: 'application/json',
      type: 'TrackPlayed',
      data: { trackId: 't-1' },
      metadata: { actorId: 'u', [OCCURRED_AT_KEY]: TIME },
    });
  });
});

describe('toRecordedEvent', () => {
  it("gives back the writer's metadata and the time from the reserved key", () => {
    expect(toRecordedEvent(stored(), '10:10')).toEqual({
      id: '0190a5b4-0000-7000-8000-000000000001',
      type: 'PlaylistCreated',
      stream: 'playlist-1',
      revision: 3n,
      position: '10:10',
      occurredAt: TIME,
      data: { name: 'Mix' },
      metadata: { actorId: 'user-1' },
    });
  });

  it("falls back to the server's time and to empty data for events written by other tools", () => {
    const event = toRecordedEvent(stored({ metadata: undefined, data: new Uint8Array([1]) }), '10:10');
    expect(event.occurredAt).toBe('2024-05-02T00:00:00.000Z');
    expect(event.data).toEqual({});
    expect(event.metadata).toEqual({});
  });
});

describe('positions', () => {
  const u64 = fc.bigInt({ min: 0n, max: U64_MAX });

  it('map to commit:prepare and back', () => {
    fc.assert(
      fc.property(u64, u64, (commit, prepare) => {
        const position = fromEsdbPosition({ commit, prepare });
        expect(position).toBe(`${commit}:${prepare}`);
        expect(toReadPosition(position)).toEqual(position === START ? 'start' : { commit, prepare });
      }),
    );
  });

  it('START reads from the start', () => {
    expect(toReadPosition(START)).toBe('start');
  });

  it('are unknown when the server leaves them out of a stream read', () => {
    expect(knownPosition(undefined)).toBeUndefined();
    expect(knownPosition({ commit: 0n, prepare: 0n })).toBeUndefined();
    expect(knownPosition({ commit: U64_MAX, prepare: U64_MAX })).toBeUndefined();
    expect(knownPosition({ commit: U64_MAX, prepare: 42n })).toBeUndefined();
    expect(knownPosition({ commit: 42n, prepare: 40n })).toBe('42:40');
  });
});

describe('isSystemEvent', () => {
  it('is true for $-types and $-streams only', () => {
    expect(isSystemEvent({ streamId: 'playlist-1', type: '$streamDeleted' })).toBe(true);
    expect(isSystemEvent({ streamId: '$stats-127.0.0.1:2113', type: 'StatsCollected' })).toBe(true);
    expect(isSystemEvent({ streamId: 'playlist-1', type: 'Played$' })).toBe(false);
  });
});
