/**
 * Input checks shared by every adapter, so that each rejects bad input the same way and before
 * anything is written.
 */
import { InvalidInputError } from './errors.js';
import type {
  AppendOptions,
  EventFilter,
  EventMetadata,
  ExpectedRevision,
  JsonObject,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
} from './port.js';
import { parsePosition } from './position.js';

export const MAX_EVENT_BYTES = 1024 * 1024;
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_STREAM_NAME_LENGTH = 200;

/** `<category>-<id>`: the category names the Kafka topic and the stream-prefix filters. */
const STREAM_NAME = /^[a-z][a-zA-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A validated event, ready for an adapter to store. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  occurredAt: string;
  /**
   * `data` and `metadata` as JSON text: made once, for the size check, and sent as they are by an
   * adapter that stores JSON (serialising each event again was a tenth of an edit's store path).
   */
  dataJson: string;
  metadataJson: string;
}

export function streamCategory(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}

export function validateStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME.test(stream)) {
    throw new InvalidInputError(
      'INVALID_STREAM_NAME',
      `invalid stream name ${JSON.stringify(stream)}: expected "<category>-<id>" (category [a-z][a-zA-Z0-9]*, ` +
        `id of letters, digits and ._:@-), at most ${MAX_STREAM_NAME_LENGTH} characters`,
    );
  }
}

export function validateExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  const ok =
    expected === 'any' ||
    expected === 'no_stream' ||
    expected === 'exists' ||
    (typeof expected === 'bigint' && expected >= 0n);
  if (!ok) {
    throw new InvalidInputError(
      'INVALID_EXPECTED_REVISION',
      `invalid expected revision ${describe(expected)}: expected 'any', 'no_stream', 'exists' or a bigint >= 0`,
    );
  }
}

/**
 * Checks a whole batch; returns it normalised (lower-case ids, ISO times, metadata object). Events
 * without `occurredAt` get the batch's time: `now()` is read once.
 */
export function prepareAppend(
  stream: unknown,
  events: unknown,
  options: AppendOptions | undefined,
  now: () => Date = () => new Date(),
): { stream: string; events: PreparedEvent[]; expectedRevision: ExpectedRevision } {
  validateStreamName(stream);
  const expectedRevision = options?.expectedRevision === undefined ? 'any' : options.expectedRevision;
  validateExpectedRevision(expectedRevision);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidInputError('EMPTY_BATCH', `append to ${stream}: the batch must hold at least one event`);
  }
  if (events.length > MAX_BATCH_EVENTS) {
    throw new InvalidInputError(
      'BATCH_TOO_LARGE',
      `append to ${stream}: ${events.length} events in one batch, at most ${MAX_BATCH_EVENTS}`,
    );
  }
  const seen = new Set<string>();
  let time: string | undefined;
  const batchTime = () => (time ??= now().toISOString());
  const prepared = events.map((event: unknown, index) => {
    const p = prepareEvent(event, `append to ${stream}, event ${index}`, batchTime);
    if (seen.has(p.id)) {
      throw new InvalidInputError('INVALID_EVENT', `append to ${stream}, event ${index}: id ${p.id} appears twice in the batch`);
    }
    seen.add(p.id);
    return p;
  });
  return { stream, events: prepared, expectedRevision };
}

function prepareEvent(event: unknown, where: string, batchTime: () => string): PreparedEvent {
  if (!isPlainObject(event)) throw new InvalidInputError('INVALID_EVENT', `${where}: not an object`);
  const { id, type, data, metadata, occurredAt, ...rest } = event as Partial<NewEvent> & Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) {
    throw new InvalidInputError('INVALID_EVENT', `${where}: unknown field(s) ${unknownKeys.join(', ')}`);
  }
  if (typeof id !== 'string' || !UUID.test(id)) {
    throw new InvalidInputError('INVALID_EVENT', `${where}: id ${describe(id)} is not a UUID`);
  }
  if (typeof type !== 'string' || !EVENT_TYPE.test(type)) {
    throw new InvalidInputError(
      'INVALID_EVENT',
      `${where}: type ${describe(type)} must match ${EVENT_TYPE.source}`,
    );
  }
  if (!isPlainObject(data)) {
    throw new InvalidInputError('INVALID_EVENT_DATA', `${where} (${type}): data must be a JSON object`);
  }
  checkJson(data, `${where} (${type}): data`);
  const meta = metadata ?? {};
  if (!isPlainObject(meta)) {
    throw new InvalidInputError('INVALID_EVENT_DATA', `${where} (${type}): metadata must be a JSON object`);
  }
  checkJson(meta, `${where} (${type}): metadata`);
  for (const key of ['actorId', 'correlationId', 'causationId'] as const) {
    const value = (meta as EventMetadata)[key];
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidInputError('INVALID_EVENT_DATA', `${where} (${type}): metadata.${key} must be a string`);
    }
  }
  const dataJson = JSON.stringify(data);
  const metadataJson = JSON.stringify(meta);
  const bytes = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
  if (bytes > MAX_EVENT_BYTES) {
    throw new InvalidInputError(
      'EVENT_TOO_LARGE',
      `${where} (${type}): ${bytes} bytes of data and metadata, at most ${MAX_EVENT_BYTES}`,
    );
  }
  return {
    id: id.toLowerCase(),
    type,
    data: data as JsonObject,
    metadata: meta as EventMetadata,
    occurredAt: occurredAt === undefined || occurredAt === null ? batchTime() : toIsoTime(occurredAt, where),
    dataJson,
    metadataJson,
  };
}

function toIsoTime(value: unknown, where: string): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new InvalidInputError('INVALID_EVENT', `${where}: occurredAt ${describe(value)} is not a valid time`);
  }
  return date.toISOString();
}

/**
 * Strict JSON: only null, booleans, finite numbers, strings, arrays and plain objects, no cycles,
 * and no NUL characters nor lone surrogates (Postgres jsonb cannot hold them, and they are not
 * Unicode text). Anything JSON.stringify would drop or change silently (undefined, functions, NaN,
 * Dates, class instances) is rejected, with an InvalidInputError naming where; a valid value is
 * checked without building any path (isJson), which is worked out only to explain a refusal.
 */
function checkJson(value: unknown, path: string): void {
  if (isJson(value, [])) return;
  explainJson(value, path);
  throw invalidData(path, 'is not JSON');
}

/** Whether `value` is JSON that Postgres's jsonb can hold (the checks of explainJson, without paths). */
function isJson(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
      return !value.includes('\u0000') && isWellFormed(value);
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (ancestors.includes(value)) return false;
      ancestors.push(value);
      let ok = true;
      if (Array.isArray(value)) {
        for (const item of value) if (!(ok = isJson(item, ancestors))) break;
      } else if (!isPlainObject(value)) ok = false;
      else {
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          if (key.includes('\u0000') || !isWellFormed(key) || !isJson((value as Record<string, unknown>)[key], ancestors)) {
            ok = false;
            break;
          }
        }
      }
      ancestors.pop();
      return ok;
    }
    default:
      return false;
  }
}

function explainJson(value: unknown, path: string, ancestors: object[] = []): void {
  switch (typeof value) {
    case 'string':
      if (value.includes('\u0000')) throw invalidData(path, 'contains a NUL character');
      if (!isWellFormed(value)) throw invalidData(path, 'contains a lone surrogate (not Unicode text)');
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw invalidData(path, `${value} is not a JSON number`);
      return;
    case 'object': {
      if (value === null) return;
      if (ancestors.includes(value)) throw invalidData(path, 'is circular');
      const next = [...ancestors, value];
      if (Array.isArray(value)) {
        value.forEach((item, i) => explainJson(item, `${path}[${i}]`, next));
        return;
      }
      if (!isPlainObject(value)) throw invalidData(path, `is a ${value.constructor?.name ?? 'non-plain'} object`);
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000') || !isWellFormed(key)) throw invalidData(path, 'has a key with a NUL character or a lone surrogate');
        explainJson(item, `${path}.${key}`, next);
      }
      return;
    }
    default:
      throw invalidData(path, `is ${typeof value}, which JSON cannot hold`);
  }
}

/** No lone surrogate (String.prototype.isWellFormed, Node 20). */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

function invalidData(path: string, why: string): InvalidInputError {
  return new InvalidInputError('INVALID_EVENT_DATA', `${path} ${why}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function validateReadStreamOptions(options: ReadStreamOptions | undefined): Required<Pick<ReadStreamOptions, 'direction'>> & ReadStreamOptions {
  const direction = options?.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new InvalidInputError('INVALID_READ_OPTIONS', `invalid direction ${describe(direction)}`);
  }
  const from = options?.fromRevision;
  if (from !== undefined && (typeof from !== 'bigint' || from < 0n)) {
    throw new InvalidInputError('INVALID_READ_OPTIONS', `invalid fromRevision ${describe(from)}: expected a bigint >= 0`);
  }
  validateMaxCount(options?.maxCount);
  return { ...options, direction };
}

export function validateReadAllOptions(options: ReadAllOptions | undefined): void {
  if (options?.fromPosition !== undefined) parsePosition(options.fromPosition);
  validateMaxCount(options?.maxCount);
  validateFilter(options?.filter);
}

export function validateFilter(filter: EventFilter | undefined): void {
  if (filter === undefined) return;
  for (const key of ['streamPrefixes', 'eventTypes'] as const) {
    const list = filter[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item.length === 0)) {
      throw new InvalidInputError('INVALID_READ_OPTIONS', `filter.${key} must be a list of non-empty strings`);
    }
  }
}

function validateMaxCount(maxCount: unknown): void {
  if (maxCount !== undefined && (typeof maxCount !== 'number' || !Number.isSafeInteger(maxCount) || maxCount < 0)) {
    throw new InvalidInputError('INVALID_READ_OPTIONS', `invalid maxCount ${describe(maxCount)}: expected an integer >= 0`);
  }
}
