import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EditBatch, StoreOutcome } from './hooks.js';
import { StoreQueue, type Pending, type QueuedRoom } from './store-queue.js';

const logger = pino({ level: 'silent' });
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A room as the queue sees it: its queue of edits, and what became of them. */
function room(playlistId: string) {
  const queue: Pending[] = [];
  const r = {
    playlistId,
    queue,
    storedAt: [] as string[],
    refusedCount: 0,
    take: () => queue.splice(0).map((item) => ({ edit: { update: item.update, changes: [], actorId: item.actorId }, items: [item] })),
    putBack: (items: readonly Pending[]) => queue.unshift(...items),
    stored: (items: readonly Pending[], _edits: number, position: string) =>
      items.forEach((item) => {
        r.storedAt.push(position);
        item.waiter?.resolve(position);
      }),
    refused: (items: readonly Pending[]) => (r.refusedCount += items.length),
  };
  return r satisfies QueuedRoom & Record<string, unknown>;
}

const edit = (actorId = 'alice', bytes = 10): Pending => ({ update: new Uint8Array(bytes).fill(1), changes: [], actorId, at: performance.now() });

describe('the store queue', () => {
  it('stores the edits of every room that queued meanwhile in one call', async () => {
    const calls: EditBatch[][] = [];
    let release!: () => void;
    const queue = new StoreQueue(
      {
        store: async (batches) => {
          calls.push([...batches]);
          if (calls.length === 1) await new Promise<void>((r) => (release = r));
          return batches.map((_, i) => ({ kind: 'stored', position: `1:${calls.length}${i}` }) as StoreOutcome);
        },
      },
      logger,
      { maxUnstoredBytes: 1 << 20, maxUnstoredEdits: 1_000 },
    );
    const [a, b, c] = [room('a'), room('b'), room('c')];
    const add = (r: ReturnType<typeof room>) => {
      const p = edit();
      r.queue.push(p);
      queue.add(r, p);
    };
    add(a); // goes alone, at once
    await tick();
    add(a);
    add(b);
    add(c);
    add(b);
    release();
    await queue.drain();
    expect(calls.map((call) => call.map((batch) => `${batch.playlistId}:${batch.edits.length}`))).toEqual([['a:1'], ['a:1', 'b:2', 'c:1']]);
    expect(queue.unstored).toEqual({ edits: 0, bytes: 0 });
  });

  it('tries again after a failure, and drops only the refused edit of a batch, storing the others', async () => {
    let calls = 0;
    const refusedIds: string[] = [];
    const queue = new StoreQueue(
      {
        store: async (batches) => {
          calls += 1;
          if (calls === 1) return batches.map(() => ({ kind: 'failed', error: new Error('down') }));
          return batches.map((batch) =>
            batch.edits.some((e) => e.actorId === 'mallory') ? { kind: 'refused', error: new Error('bad data') } : { kind: 'stored', position: '1:1' },
          );
        },
      },
      logger,
      { maxUnstoredBytes: 1 << 20, maxUnstoredEdits: 1_000, onRefused: (playlistId, items) => refusedIds.push(...items.map((i) => `${playlistId}:${i.actorId}`)) },
    );
    const r = room('p');
    for (const actor of ['alice', 'mallory', 'bob']) {
      const p = edit(actor);
      r.queue.push(p);
      queue.add(r, p);
    }
    await queue.drain();
    expect(r.storedAt).toHaveLength(2);
    expect(r.refusedCount).toBe(1);
    expect(refusedIds).toEqual(['p:mallory']);
    expect(queue.unstored.edits).toBe(0);
  });

  it('is backlogged past its limit until half of it is stored', async () => {
    let release!: () => void;
    const transitions: boolean[] = [];
    const queue = new StoreQueue(
      {
        store: async (batches) => {
          await new Promise<void>((r) => (release = r));
          return batches.map(() => ({ kind: 'stored', position: '1:1' }) as StoreOutcome);
        },
      },
      logger,
      { maxUnstoredBytes: 1 << 30, maxUnstoredEdits: 4, onBacklog: (b) => transitions.push(b) },
    );
    const r = room('p');
    for (let i = 0; i < 6; i += 1) {
      const p = edit();
      r.queue.push(p);
      queue.add(r, p);
    }
    expect(queue.backlogged).toBe(true);
    expect(transitions).toEqual([true]);
    for (let i = 0; i < 3; i += 1) {
      await tick();
      release();
    }
    await queue.drain();
    expect(queue.backlogged).toBe(false);
    expect(transitions).toEqual([true, false]);
  });

  describe('with a store interval', () => {
    /** A queue whose store answers at once, recording when each call started and what it carried. */
    function timedQueue(intervalMs: number) {
      const calls: Array<{ at: number; edits: number }> = [];
      const queue = new StoreQueue(
        {
          store: async (batches) => {
            calls.push({ at: performance.now(), edits: batches.reduce((n, b) => n + b.edits.length, 0) });
            return batches.map(() => ({ kind: 'stored', position: '1:1' }) as StoreOutcome);
          },
        },
        logger,
        { maxUnstoredBytes: 1 << 20, maxUnstoredEdits: 1_000, intervalMs },
      );
      return { queue, calls };
    }
    const add = (queue: StoreQueue, r: ReturnType<typeof room>, p: Pending = edit()) => {
      r.queue.push(p);
      queue.add(r, p);
    };

    it('stores a lone edit at once', async () => {
      const { queue, calls } = timedQueue(1_000);
      const before = performance.now();
      add(queue, room('a'));
      await queue.drain();
      expect(calls).toHaveLength(1);
      expect(calls[0]!.at - before).toBeLessThan(50);
    });

    it('gathers the edits that arrive within the interval after a store into the next one', async () => {
      const { queue, calls } = timedQueue(60);
      const [a, b] = [room('a'), room('b')];
      add(queue, a);
      await tick();
      for (let i = 0; i < 5; i += 1) {
        add(queue, i % 2 ? a : b);
        await new Promise((r) => setTimeout(r, 5));
      }
      await queue.drain();
      expect(calls.map((c) => c.edits)).toEqual([1, 5]);
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(55);
    });

    it('does not make an HTTP caller wait for the interval', async () => {
      const { queue, calls } = timedQueue(5_000);
      const r = room('a');
      add(queue, r);
      await tick();
      add(queue, r); // gathered behind the first
      const stored = new Promise<string | undefined>((resolve, reject) => add(queue, r, { ...edit(), waiter: { resolve, reject } }));
      const before = performance.now();
      await stored;
      expect(performance.now() - before).toBeLessThan(1_000);
      expect(calls.map((c) => c.edits)).toEqual([1, 2]);
    });
  });
});
