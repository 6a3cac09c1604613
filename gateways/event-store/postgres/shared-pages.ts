/**
 * Pages of `$all` kept for other readers asking for the same page: at most SHARED_PAGES_EVENTS
 * events in all, each page for at most SHARED_PAGE_MS. Runners with the same filter catching up
 * from the same position ask for the same sequence of pages (five projections read TrackPlayed):
 * one reads a page from Postgres and parses it, the others, a little behind, take it from here.
 * Only pages that can no longer change are kept (not the last one below the horizon).
 */
import type { EventFilter, Position, RecordedEvent } from '../port.js';

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

export class SharedPages {
  /** Pages read lately, by request, oldest first. */
  private readonly pages = new Map<string, { read: Promise<Page>; events: number; at: number }>();
  private events = 0;

  /** The page for this request: another reader's read of it when there is one, else `query()`'s. */
  async read(after: Position, limit: number, filter: EventFilter | undefined, query: () => Promise<Page>): Promise<Page> {
    this.forget();
    const key = JSON.stringify([after, limit, filter?.eventTypes ?? null, filter?.streamPrefixes ?? null]);
    const shared = this.pages.get(key);
    if (shared) {
      const page = await shared.read.catch(() => undefined);
      if (page && !page.exhausted) return page;
    }
    const read = query();
    if (!shared) this.share(key, read);
    return read;
  }

  private share(key: string, read: Promise<Page>): void {
    const entry = { read, events: 0, at: Date.now() };
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
