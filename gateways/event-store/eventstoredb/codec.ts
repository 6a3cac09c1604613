/**
 * How Chorus events are laid out in EventStoreDB, as pure functions:
 * - an event is a JSON event (`jsonEvent`) with the writer's id, type and data;
 * - its metadata is the writer's metadata plus the time it happened under the reserved key
 *   `$occurredAt`. A writer key that looks like the reserved one (`$occurredAt`, `$$occurredAt`, …)
 *   is stored with one more `$`, so every writer metadata object round-trips exactly;
 * - a position is `commit:prepare` (major = commit, minor = prepare);
 * - an expected revision is the driver's stream state (`ANY`, `NO_STREAM`, `STREAM_EXISTS`, a revision).
 */
import { ANY, NO_STREAM, STREAM_EXISTS, jsonEvent, type AppendStreamState, type EventData, type Position as EsdbPosition, type ReadPosition } from '@kurrent/kurrentdb-client';
import type { EventMetadata, ExpectedRevision, JsonObject, RecordedEvent } from '../port.js';
import { START, formatPosition, parsePosition, type Position } from '../position.js';
import type { PreparedEvent } from '../validation.js';

export const OCCURRED_AT_KEY = '$occurredAt';

/** A writer key that would collide with the reserved key, once escaped or not. */
const LOOKS_RESERVED = /^\$+occurredAt$/;
const U64_MAX = (1n << 64n) - 1n;

/** The fields of a driver event that Chorus reads (the driver's RecordedEvent fits this). */
export interface StoredEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  created: Date;
  position?: EsdbPosition;
}

export function toEventData(event: Pick<PreparedEvent, 'id' | 'type' | 'data' | 'metadata' | 'occurredAt'>): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: encodeMetadata(event.metadata, event.occurredAt),
  });
}

export function encodeMetadata(metadata: EventMetadata, occurredAt: string): JsonObject {
  const entries = Object.entries(metadata).map(([key, value]) => [LOOKS_RESERVED.test(key) ? `$${key}` : key, value]);
  return Object.fromEntries([...entries, [OCCURRED_AT_KEY, occurredAt]]) as JsonObject;
}

/** Splits stored metadata back into the writer's metadata and the reserved time (if present). */
export function decodeMetadata(stored: unknown): { metadata: EventMetadata; occurredAt: string | undefined } {
  if (!isJsonObject(stored)) return { metadata: {}, occurredAt: undefined };
  let occurredAt: string | undefined;
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(stored)) {
    if (key === OCCURRED_AT_KEY) {
      if (typeof value === 'string') occurredAt = value;
    } else {
      entries.push([LOOKS_RESERVED.test(key) ? key.slice(1) : key, value]);
    }
  }
  return { metadata: Object.fromEntries(entries) as EventMetadata, occurredAt };
}

/**
 * The port's view of a stored event, in `stream` (the store's name for it). Events written by
 * other tools keep their id, type and position; data that is not a JSON object reads as `{}`,
 * missing times as the server's `created`.
 */
export function toRecordedEvent(stored: StoredEvent, position: Position, stream = stored.streamId): RecordedEvent {
  const { metadata, occurredAt } = decodeMetadata(stored.metadata);
  return {
    id: stored.id.toLowerCase(),
    type: stored.type,
    stream,
    revision: stored.revision,
    position,
    occurredAt: normaliseTime(occurredAt) ?? stored.created.toISOString(),
    data: isJsonObject(stored.data) ? stored.data : {},
    metadata,
  };
}

/** System records: `$`-types (stream tombstones, links, settings) and anything in a `$`-stream. */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

export function fromEsdbPosition(position: EsdbPosition): Position {
  return formatPosition(position.commit, position.prepare);
}

/**
 * The event's global position, or undefined when the server did not send one: servers before
 * 22.6 leave it out of stream reads (0/0, or 2^64-1 for "unknown").
 */
export function knownPosition(position: EsdbPosition | undefined): Position | undefined {
  if (!position) return undefined;
  const { commit, prepare } = position;
  if (commit === U64_MAX || prepare === U64_MAX || commit < 0n || prepare < 0n) return undefined;
  if (commit === 0n && prepare === 0n) return undefined;
  return fromEsdbPosition(position);
}

/** Where a driver read or subscription starts; the driver's own bound is inclusive for reads. */
export function toReadPosition(position: Position): ReadPosition {
  if (position === START) return 'start';
  const { major, minor } = parsePosition(position);
  return { commit: major, prepare: minor };
}

function normaliseTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An expected revision as the driver takes it. */
export function toDriverExpected(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}
