import { describe, expect, it } from 'vitest';
import { formatPosition, type Position } from '../position.js';
import type { RecordedEvent } from '../port.js';
import { SharedPages, type Page } from './shared-pages.js';

const FILTER = { eventTypes: ['TrackPlayed'] };
const at = (i: number): Position => formatPosition(i + 1, 0);

/** Page i: one event, from at(i) to at(i + 1); `reads` counts the pages read from "Postgres". */
function source() {
  const reads: number[] = [];
  const query = (i: number) => async (): Promise<Page> => {
    reads.push(i);
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { events: [{ id: `e${i}` } as unknown as RecordedEvent], next: at(i + 1), exhausted: false, heldBack: false };
  };
  return { reads, query };
}

describe('SharedPages: readers of one filter keep together', () => {
  it('holds a reader MAX_AHEAD pages ahead of a slower one until it takes a page, so every page is read once', async () => {
    const pages = new SharedPages(3, 10_000);
    const { reads, query } = source();
    const fast = {};
    const slow = {};
    await pages.read(at(0), 100, FILTER, query(0), slow);
    for (let i = 0; i < 3; i += 1) await pages.read(at(i), 100, FILTER, query(i), fast);
    // Pages 0-2 are kept; the slow reader has taken page 0 and still has 1 and 2 to take: fast may read page 3.
    await pages.read(at(3), 100, FILTER, query(3), fast);
    // Now 1, 2 and 3 wait for the slow reader: fast waits for page 4.
    let fourth = false;
    const ahead = pages.read(at(4), 100, FILTER, query(4), fast).then(() => (fourth = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fourth).toBe(false);
    expect(pages.counts.waits).toBe(1);
    // The slow reader takes page 1 (from memory): the fast one goes on.
    await pages.read(at(1), 100, FILTER, query(1), slow);
    await ahead;
    for (let i = 2; i <= 4; i += 1) await pages.read(at(i), 100, FILTER, query(i), slow);
    expect(reads).toEqual([0, 1, 2, 3, 4]);
    expect(pages.counts).toMatchObject({ queried: 5, shared: 5 });
  });

  it('lets a reader go on once the slower one has asked for nothing for a while (done, or busy)', async () => {
    const pages = new SharedPages(1, 60);
    const { query } = source();
    const fast = {};
    await pages.read(at(0), 100, FILTER, query(0), {});
    await pages.read(at(0), 100, FILTER, query(0), fast);
    await pages.read(at(1), 100, FILTER, query(1), fast);
    const started = Date.now();
    await pages.read(at(2), 100, FILTER, query(2), fast);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(pages.counts.waits).toBe(1);
  });

  it('never holds a reader that says nothing of itself, nor readers of another filter', async () => {
    const pages = new SharedPages(1, 10_000);
    const { query } = source();
    await pages.read(at(0), 100, FILTER, query(0), {});
    for (let i = 0; i < 5; i += 1) await pages.read(at(i), 100, FILTER, query(i));
    const other = {};
    for (let i = 0; i < 5; i += 1) await pages.read(at(i), 100, { eventTypes: ['UserFollowed'] }, query(i), other);
    expect(pages.counts.waits).toBe(0);
  });
});
