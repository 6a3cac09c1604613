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
    stored: (items: readonly Pending[], _edits: number, position: string) => items.forEach(() => r.storedAt.push(position)),
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
});
