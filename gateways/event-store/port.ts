/**
 * The event store port (DESIGN.md section 3). Every adapter implements exactly this and is
 * covered by the one contract suite in tests/contract/.
 */
import type { EventStoreError } from './errors.js';
import type { Position } from './position.js';

export type { Position } from './position.js';

/** A stream's revision: the 0-based index of its last event. */
export type StreamRevision = bigint;

export type ExpectedRevision = 'any' | 'no_stream' | 'exists' | StreamRevision;

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface EventMetadata {
  actorId?: string;
  correlationId?: string;
  causationId?: string;
  [key: string]: JsonValue | undefined;
}

/** An event as a writer hands it to `append`. */
export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  /** A UUID chosen by the writer (v7 preferred), so that a retried append is idempotent. */
  id: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
  /** When it happened; the store's clock is used when absent. */
  occurredAt?: string | Date;
}

/** An event as stored: the envelope of DESIGN.md section 2. */
export interface RecordedEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  id: string;
  type: Type;
  stream: string;
  revision: StreamRevision;
  /** The event's place in the global order; opaque, pass it back as it is. */
  position: Position;
  /** ISO-8601, UTC. */
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
}

export interface AppendOptions {
  /** Defaults to 'any'. */
  expectedRevision?: ExpectedRevision;
}

/** One append of a multi-stream call (`appendMany`). */
export interface StreamAppend {
  stream: string;
  events: readonly NewEvent[];
  options?: AppendOptions;
}

/** How one append of `appendMany` went: its result, or the error `append` would have thrown. */
export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: EventStoreError };

export interface AppendResult {
  /** The stream's revision after the append: the expectedRevision to give the next append. */
  nextRevision: StreamRevision;
  /** The position of the batch's last event. */
  position: Position;
}

export interface ReadStreamOptions {
  /** Inclusive. Defaults to the first event (forwards) or the last event (backwards). */
  fromRevision?: StreamRevision;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface EventFilter {
  /** Keep events whose stream name starts with one of these. */
  streamPrefixes?: readonly string[];
  /** Keep events of one of these types. */
  eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: reading starts after this position. Defaults to the beginning. */
  fromPosition?: Position;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive. Defaults to the beginning. */
  fromPosition?: Position;
  filter?: EventFilter;
  /**
   * Progress beyond the last delivered event: called with a position once every event up to it
   * that matches the filter has been delivered and the consumer has asked for the next one. With
   * a filter this moves past events the subscriber never sees, so a consumer can tell that it has
   * caught up with a position (read-your-writes) without receiving every event. Positions passed
   * here need not be positions of events; they only compare.
   */
  onProgress?: (position: Position) => void;
}

/** Catches up from `fromPosition`, then delivers new events as they are committed. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration; pending reads are abandoned. Safe to call more than once. */
  close(): Promise<void>;
  /**
   * Takes up to `max` of the events that follow the one last delivered and are already read
   * (none when the next one needs a read): the iteration then goes on after them. For a consumer
   * that gathers batches (a projection catching up), thousands of events at once instead of one
   * await each. Call it between iterations, not while one is awaited. Optional for a store.
   */
  takeBuffered?(max: number): RecordedEvent[];
}

export interface DeleteStreamOptions {
  expectedRevision?: ExpectedRevision;
}

export interface EventStore {
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Several appends, to one stream or many, in one call: each is checked and answered on its own,
   * exactly as `append` would answer it (one append's wrong expected revision or bad input fails
   * only that append), and appends to the same stream apply in the order given. A store that can
   * commits them together (Postgres: one transaction, one commit for the lot); the outcomes come
   * back in the order of `appends`. It rejects as a whole only when something other than an
   * append's own outcome goes wrong (a closed store).
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]>;
  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Events of every stream in global order, starting after `fromPosition`. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** The position of the newest event a reader can see now (the start position when empty). */
  headPosition(): Promise<Position>;
  /**
   * Deletes a stream for good: later appends and reads by name fail with StreamDeleted.
   * Its events stay in the global order (history is not rewritten).
   */
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<void>;
  /**
   * How many events a reader can see after `after`, counting stops at `cap` (a follower's lag in
   * events). Null when this store cannot count cheaply (EventStoreDB: it would read them all); the
   * caller then does without the count.
   */
  countAfter(after: Position, cap: number): Promise<number | null>;
  /** Orders two positions of this store: negative, zero or positive. */
  comparePositions(a: Position, b: Position): number;
  close(): Promise<void>;
}
