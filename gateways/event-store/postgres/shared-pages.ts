/**
 * Pages of `$all` kept for other readers asking for the same page: at most SHARED_PAGES_EVENTS
 * events in all, each page for at most SHARED_PAGE_MS. Runners with the same filter catching up
 * from the same position ask for the same sequence of pages (five projections read TrackPlayed):
 * one reads a page from Postgres and parses it, the others, a little behind, take it from here.
 * Only pages that can no longer change are kept (not the last one below the horizon).
 *
 * Readers that say who they are (subscriptions catching up) also keep together: a reader that
 * would read a new page from Postgres while MAX_AHEAD_PAGES pages of its filter, read already, wait
 * for another reader of the same filter still behind it, waits until that reader takes one (or has
 * asked for nothing for READER_GONE_MS: it finished, or is busy with a long batch). Without this,
 * the fastest readers draw ahead of the window and every reader parses every page itself: in a
 * rebuild, five times the parsing and its garbage for TrackPlayed. The slowest reader never waits,
 * so they all move on; a rebuild takes as long as its slowest projection anyway.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventFilter, Position, RecordedEvent } from '../port.js';
import { comparePositions } from '../position.js';

export interface Page {
  events: RecordedEvent[];
  /** Where the next read starts: past every event scanned (delivered or filtered out). */
  next: Position;
  /** Nothing more is readable now: everything below the visibility horizon has been scanned. */
  exhausted: boolean;
  /** Committed events exist beyond the horizon, held back by an older running transaction. */
  heldBack: boolean;
}

const SHARED_PAGES_EVENTS = 64_000;
const SHARED_PAGE_MS = 30_000;
/** Pages of a filter a reader may read ahead of another reader of the filter still taking them. */
export const MAX_AHEAD_PAGES = 3;
/** A reader that asked for nothing for this long no longer holds the others back. */
export const READER_GONE_MS = 2_000;
const WAIT_STEP_MS = 5;

interface Entry {
  read: Promise<Page>;
  events: number;
  at: number;
  group: string;
  after: Position;
}

export class SharedPages {
  /** Pages read lately, by request, oldest first. */
  private readonly pages = new Map<string, Entry>();
  private events = 0;
  /** Per filter (and page size): where each reader that said who it is last asked to read, and when. */
  private readonly readers = new Map<string, Map<object, { after: Position; at: number }>>();
  /** Pages read from Postgres, pages taken from another reader's read, and times a reader waited for another (for tests and benchmarks). */
  readonly counts = { queried: 0, shared: 0, waits: 0 };

  constructor(
    private readonly maxAheadPages = MAX_AHEAD_PAGES,
    private readonly readerGoneMs = READER_GONE_MS,
  ) {}

  /** The page for this request: another reader's read of it when there is one, else `query()`'s. */
  async read(after: Position, limit: number, filter: EventFilter | undefined, query: () => Promise<Page>, reader?: object): Promise<Page> {
    this.forget();
    const group = JSON.stringify([limit, filter?.eventTypes ?? null, filter?.streamPrefixes ?? null]);
    const key = JSON.stringify([after, group]);
    if (reader) this.saw(group, reader, after);
    let shared = this.pages.get(key);
    if (shared) {
      const page = await shared.read.catch(() => undefined);
      if (page && !page.exhausted) return this.took(page);
    }
    if (!shared && reader && (await this.keepTogether(group, reader, after))) {
      // Another reader may have read it meanwhile.
      shared = this.pages.get(key);
      if (shared) {
        const page = await shared.read.catch(() => undefined);
        if (page && !page.exhausted) return this.took(page);
      }
    }
    this.counts.queried += 1;
    const read = query();
    if (!shared) this.share(key, group, after, read);
    return read;
  }

  private took(page: Page): Page {
    this.counts.shared += 1;
    return page;
  }

  private saw(group: string, reader: object, after: Position): void {
    let readers = this.readers.get(group);
    if (!readers) this.readers.set(group, (readers = new Map()));
    const seen = readers.get(reader);
    if (!seen || comparePositions(after, seen.after) > 0) readers.set(reader, { after, at: Date.now() });
    else seen.at = Date.now();
  }

  /** Waits while this reader is MAX_AHEAD_PAGES pages ahead of another one of its group; whether it waited. */
  private async keepTogether(group: string, reader: object, after: Position): Promise<boolean> {
    let waited = false;
    for (;;) {
      const behind = this.slowestBehind(group, reader, after);
      if (behind === undefined || this.pagesAfter(group, behind) < this.maxAheadPages) return waited;
      if (!waited) this.counts.waits += 1;
      waited = true;
      await sleep(WAIT_STEP_MS);
    }
  }

  /** Where the slowest reader of the group that is behind `after`, and still reading, last asked. */
  private slowestBehind(group: string, reader: object, after: Position): Position | undefined {
    const readers = this.readers.get(group);
    if (!readers) return undefined;
    const now = Date.now();
    let slowest: Position | undefined;
    for (const [other, seen] of readers) {
      if (now - seen.at > this.readerGoneMs) {
        readers.delete(other);
        continue;
      }
      if (other === reader || comparePositions(seen.after, after) >= 0) continue;
      if (slowest === undefined || comparePositions(seen.after, slowest) < 0) slowest = seen.after;
    }
    if (readers.size === 0) this.readers.delete(group);
    return slowest;
  }

  /** Pages of the group kept here that start after `position` (what a reader there has still to take). */
  private pagesAfter(group: string, position: Position): number {
    let pages = 0;
    for (const entry of this.pages.values()) if (entry.group === group && comparePositions(entry.after, position) > 0) pages += 1;
    return pages;
  }

  private share(key: string, group: string, after: Position, read: Promise<Page>): void {
    const entry: Entry = { read, events: 0, at: Date.now(), group, after };
    this.pages.set(key, entry);
    const drop = () => {
      if (this.pages.get(key) !== entry) return;
      this.pages.delete(key);
      this.events -= entry.events;
    };
    read.then(
      (page) => {
        if (page.exhausted) return drop();
        if (this.pages.get(key) !== entry) return;
        entry.events = page.events.length;
        this.events += entry.events;
        this.forget();
      },
      drop,
    );
  }

  /** Forgets the oldest pages while there are too many, or they are too old. */
  private forget(): void {
    const now = Date.now();
    for (const [key, entry] of this.pages) {
      if (this.events <= SHARED_PAGES_EVENTS && now - entry.at < SHARED_PAGE_MS) break;
      this.pages.delete(key);
      this.events -= entry.events;
    }
  }
}
