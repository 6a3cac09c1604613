/**
 * The tail: one shared reader of the head of the global order per store. It keeps a window of the
 * most recent visible events, every one in (from, to] with no gap, and refreshes it with one
 * unfiltered page read after `to` per wake-up, however many subscriptions wait at the head. A
 * subscription whose cursor lies in [from, to] takes its events from the window and filters them
 * here, exactly as READ_PAGE would; one whose cursor is older reads pages from Postgres.
 *
 * The window is gap-free because `to` only ever moves to a page's `next`, the gap rule's promise:
 * an unfiltered page holds every visible event in (after, next], and every event at or below
 * `next` is final (below the visibility horizon: committed or aborted for good), so no event can
 * later appear in (from, to]. Events of a transaction still running lie above `to` and are read
 * by a later refresh.
 */
import type { EventFilter, RecordedEvent } from '../port.js';
import { comparePositions, type Position } from '../position.js';
import type { Page } from './store.js';

/** Events kept in the window (a quarter more gather between trims): a subscription further behind reads from Postgres. */
export const TAIL_MAX_EVENTS = 10_000;

export interface TailPageReader {
  readPage(after: Position, limit: number, filter: EventFilter | undefined, options?: { shared?: boolean; reader?: object }): Promise<Page>;
}

/** What a subscription takes from the window. */
export interface TailTake {
  /** The events after the cursor that pass the filter, in order. */
  events: RecordedEvent[];
  /** The window's end: the subscription's cursor once it has handed these out. */
  to: Position;
  /** The refresh this comes from: a subscription asks for a later one (`refresh`). */
  refresh: number;
  /** The wake-up generation when that refresh began: wait for a wake-up after it. */
  generation: number;
  /** Nothing more is readable now (else refresh again at once). */
  exhausted: boolean;
  /** An older transaction holds committed events back: re-read soon. */
  heldBack: boolean;
}

interface Refresh {
  number: number;
  generation: number;
  done: Promise<void>;
}

export class Tail {
  /** The window, in global order: every visible event in (from, to]. Unset until first anchored. */
  private events: RecordedEvent[] = [];
  private from: Position | undefined;
  private to: Position | undefined;
  private exhausted = true;
  private heldBack = false;
  /** The last refresh that completed (number 0: none yet) and the one running, if any. */
  private completed = { number: 0, generation: 0 };
  private running: Refresh | undefined;
  private queued: Promise<void> | undefined;
  /** Subscriptions reading from the window: while there are any, they keep it fresh. */
  private users = 0;

  constructor(
    private readonly reader: TailPageReader,
    private readonly pageSize: number,
    /** The wake-up generation now (Wakeups.generation). */
    private readonly generation: () => number,
    private readonly maxEvents = TAIL_MAX_EVENTS,
  ) {}

  /**
   * A subscription read an exhausted page: everything up to `next` is final. An unused window
   * (none yet, or left behind while no subscription was at the head) starts afresh there, empty.
   */
  anchor(next: Position, generation: number, heldBack: boolean): void {
    if (this.running || this.queued) return;
    if (this.users > 0 || this.covers(next)) return;
    this.events = [];
    this.from = next;
    this.to = next;
    this.exhausted = true;
    this.heldBack = heldBack;
    // The page began at `generation`: a wake-up after that may be news to the window.
    this.completed = { number: this.completed.number, generation };
  }

  /** True when the window ends before `cursor`: a refresh may bring it there. */
  endsBefore(cursor: Position): boolean {
    return this.to !== undefined && comparePositions(this.to, cursor) < 0;
  }

  /** True when `cursor` lies in [from, to]. */
  covers(cursor: Position): boolean {
    return this.from !== undefined && this.to !== undefined && comparePositions(this.from, cursor) <= 0 && comparePositions(cursor, this.to) <= 0;
  }

  /** The number of the last refresh that completed. */
  get refreshes(): number {
    return this.completed.number;
  }

  /**
   * The events after `cursor` that pass `filter`, or undefined when the window does not cover
   * `cursor` (older than its start, or beyond its end).
   */
  take(cursor: Position, filter: EventFilter | undefined): TailTake | undefined {
    if (this.to === undefined || !this.covers(cursor)) return undefined;
    const events: RecordedEvent[] = [];
    const matches = matcher(filter);
    for (let i = this.firstAfter(cursor); i < this.events.length; i += 1) {
      const event = this.events[i]!;
      if (matches(event)) events.push(event);
    }
    const { number, generation } = this.completed;
    return { events, to: this.to, refresh: number, generation, exhausted: this.exhausted, heldBack: this.heldBack };
  }

  join(): void {
    this.users += 1;
  }

  leave(): void {
    this.users -= 1;
  }

  /**
   * Resolves once a refresh numbered at least `minRefresh` that began at wake-up generation
   * `minGeneration` or later has completed: single-flight, so every subscription woken by the same
   * wake-up shares one read. Rejects when that read failed (the caller retries).
   */
  refresh(minRefresh: number, minGeneration: number): Promise<void> {
    const suffices = (r: { number: number; generation: number }) => r.number >= minRefresh && r.generation >= minGeneration;
    if (suffices(this.completed)) return Promise.resolve();
    const running = this.running;
    if (running && suffices(running)) return running.done;
    if (!running) return this.start();
    // The running read began too early: the next one starts when it ends (after this call).
    this.queued ??= running.done
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  /** Reads one unfiltered page after `to` and appends it to the window. */
  private start(): Promise<void> {
    const after = this.to;
    if (after === undefined) return Promise.resolve();
    const refresh: Refresh = { number: this.completed.number + 1, generation: this.generation(), done: Promise.resolve() };
    refresh.done = this.reader
      .readPage(after, this.pageSize, undefined, { shared: false })
      .then((page) => {
        // anchor() does not move the window while a read runs, so `after` is still its end.
        this.events.push(...page.events);
        this.to = page.next;
        this.exhausted = page.exhausted;
        this.heldBack = page.heldBack;
        this.completed = { number: refresh.number, generation: refresh.generation };
        this.trim();
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = refresh;
    return refresh.done;
  }

  /**
   * Drops the oldest events beyond maxEvents once a quarter more have gathered (a splice moves
   * every event kept, so one per refresh at the head would cost the whole window each time); the
   * window then starts at the last one dropped.
   */
  private trim(): void {
    if (this.events.length <= this.maxEvents + Math.ceil(this.maxEvents / 4)) return;
    const excess = this.events.length - this.maxEvents;
    this.from = this.events[excess - 1]!.position;
    this.events.splice(0, excess);
  }

  /** Index of the first event after `cursor` (binary search; events are in position order). */
  private firstAfter(cursor: Position): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (comparePositions(this.events[mid]!.position, cursor) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/**
 * The filter of READ_PAGE in JavaScript: an event passes when its stream starts with one of the
 * prefixes (LIKE 'prefix%' with the prefix's wildcards escaped: a plain, case-sensitive prefix)
 * and its type is one of the types; an absent or empty list does not filter.
 */
export function matcher(filter: EventFilter | undefined): (event: RecordedEvent) => boolean {
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : undefined;
  return (event) =>
    (prefixes === undefined || prefixes.some((prefix) => event.stream.startsWith(prefix))) &&
    (types === undefined || types.has(event.type));
}
