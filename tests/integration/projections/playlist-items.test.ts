/**
 * The playlist items read model follows the CRDT, not the order of the events: concurrent moves
 * land where every replica puts them, removes beat moves, and a rebuild gives the same items.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { insertTracks, listEntries, moveRange, removeEntries } from '../../../domain/playlist/document.js';
import type { PlaylistEdited } from '../../../domain/playlist/events.js';
import { listPoison } from '../../../projections/poison.js';
import { playlistItems, playlistItemsProjection } from '../../../projections/sql/playlist-items.js';
import { BACKENDS, openHarness, type ReadModelHarness } from '../../support/projection-harness.js';

let n = 0;
const options = (addedBy: string) => ({ addedBy, addedAt: '2026-02-01T10:00:00.000Z', newId: () => `e-${(n += 1).toString().padStart(5, '0')}` });

/** Records every update of a document as a PlaylistEdited event. */
function recorder(doc: Y.Doc, playlistId: string, editedBy: string): PlaylistEdited[] {
  const events: PlaylistEdited[] = [];
  doc.on('update', (update: Uint8Array) =>
    events.push({ type: 'PlaylistEdited', data: { playlistId, update: Buffer.from(update).toString('base64'), changes: [], editedBy, at: '2026-02-01T10:00:00.000Z' } }),
  );
  return events;
}

describe.each(BACKENDS)('playlist items read model (%s)', (backend) => {
  let harness: ReadModelHarness;
  beforeAll(async () => {
    harness = await openHarness(backend, 'items');
  });
  afterAll(async () => {
    await harness.close();
  });

  it('shows the order every replica converges on, concurrent moves and removes included, and a rebuild agrees', async () => {
    const playlistId = `pl-${backend}`;
    const a = new Y.Doc();
    const b = new Y.Doc();
    const fromA = recorder(a, playlistId, 'ann');
    const fromB = recorder(b, playlistId, 'bob');
    insertTracks(a, ['t1', 't2', 't3', 't4'], undefined, options('ann'));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    // Concurrently: both move the first entry elsewhere; b removes the third while a moves it.
    moveRange(a, 0, 4);
    moveRange(b, 0, 2);
    const third = listEntries(a)[1]!.entryId;
    removeEntries(b, [listEntries(b).find((e) => e.trackId === 't3')!.entryId]);
    moveRange(a, listEntries(a).findIndex((e) => e.entryId === third), 0);
    insertTracks(b, ['t5'], 1, options('bob'));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(listEntries(a)).toEqual(listEntries(b));

    // Stored in an order that differs from how either replica applied them.
    await harness.append(`playlist-${playlistId}`, [...fromB, ...fromA]);
    await harness.catchUp([playlistItemsProjection], { batchSize: 2 });
    const expected = listEntries(a).map((e) => ({ entryId: e.entryId, trackId: e.trackId, addedBy: e.addedBy, addedAt: e.addedAt }));
    expect(await playlistItems(harness.sql, playlistId)).toEqual(expected);
    expect(expected.map((e) => e.trackId)).not.toContain('t3');

    await harness.rebuild(playlistItemsProjection, { batchSize: 500 });
    expect(await playlistItems(harness.sql, playlistId)).toEqual(expected);
  });

  it('leaves out entries stored before the edit gate that the table cannot hold (oversized pos or id, NUL), keeping the rest of the same event; a rebuild agrees', async () => {
    const playlistId = `pl-old-${backend}`;
    const doc = new Y.Doc();
    const events = recorder(doc, playlistId, 'ann');
    doc.transact(() => {
      insertTracks(doc, ['t1', 't2'], undefined, options('ann'));
      const entries = doc.getMap<Y.Map<unknown>>('entries');
      const add = (entryId: string, fields: Record<string, string>) => {
        const entry = new Y.Map<unknown>();
        for (const [key, value] of Object.entries({ trackId: 't9', pos: 'a5', addedBy: 'ann', addedAt: '2026-02-01T10:00:00.000Z', ...fields })) entry.set(key, value);
        entries.set(entryId, entry);
      };
      add('long-pos', { pos: `a5${'V'.repeat(8_000)}` });
      add('x'.repeat(3_000), {});
      add('nul-track', { trackId: 't\u0000x' });
      add('nul-by', { addedBy: 'a\u0000b' });
      doc.getMap('meta').set('name', 'old\u0000name');
    });
    await harness.append(`playlist-${playlistId}`, events);
    await harness.catchUp([playlistItemsProjection], { batchSize: 10 });
    const expected = listEntries(doc)
      .filter((e) => e.trackId === 't1' || e.trackId === 't2')
      .map((e) => ({ entryId: e.entryId, trackId: e.trackId, addedBy: e.addedBy, addedAt: e.addedAt }));
    expect(expected).toHaveLength(2);
    expect(await playlistItems(harness.sql, playlistId)).toEqual(expected);
    expect((await listPoison(harness.sql, 'playlist-items')).filter((p) => p.stream === `playlist-${playlistId}`)).toEqual([]);

    // A later move of the oversized entry to a valid place brings it in.
    moveRange(doc, listEntries(doc).findIndex((e) => e.entryId === 'long-pos'), 0);
    await harness.append(`playlist-${playlistId}`, events.slice(1));
    await harness.catchUp([playlistItemsProjection], { batchSize: 10 });
    expect((await playlistItems(harness.sql, playlistId)).map((e) => e.entryId)).toEqual(['long-pos', ...expected.map((e) => e.entryId)]);

    await harness.rebuild(playlistItemsProjection, { batchSize: 500 });
    expect((await playlistItems(harness.sql, playlistId)).map((e) => e.entryId)).toEqual(['long-pos', ...expected.map((e) => e.entryId)]);
  });

  it('stores its documents compactly: many small updates to a large document grow its tables by about what they hold, not by the state each batch', async () => {
    const playlistId = `pl-growth-${backend}`;
    const doc = new Y.Doc();
    const events = recorder(doc, playlistId, 'ann');
    insertTracks(doc, ['t1'], undefined, options('ann'));
    // An unknown top-level text, fed 2 KB at a time: 1 MB in 500 updates.
    const text = doc.getText('notes');
    for (let i = 0; i < 500; i += 1) text.insert(text.length, String.fromCharCode(97 + (i % 26)).repeat(2_048));
    const updateBytes = events.reduce((sum, e) => sum + Buffer.from(e.data.update, 'base64').byteLength, 0);
    for (let i = 0; i < events.length; i += 10) {
      await harness.append(`playlist-${playlistId}`, events.slice(i, i + 10));
      await harness.catchUp([playlistItemsProjection], { batchSize: 10 });
    }
    const [row] = await harness.sql.query<{ bytes: string }>(
      `select (select coalesce(sum(octet_length(d.snapshot)), 0) from playlist_docs d where d.playlist_id = $1)
            + (select coalesce(sum(octet_length(u.update)), 0) from playlist_doc_updates u where u.playlist_id = $1) as bytes`,
      [playlistId],
    );
    // The old model wrote the whole state (up to 1 MB) for each of the 50 batches: ~25 MB.
    expect(Number(row!.bytes)).toBeLessThanOrEqual(2 * updateBytes + 64 * 1024);
    expect((await playlistItems(harness.sql, playlistId)).map((i) => i.trackId)).toEqual(['t1']);
    await harness.rebuild(playlistItemsProjection, { batchSize: 7 });
    expect((await playlistItems(harness.sql, playlistId)).map((i) => i.trackId)).toEqual(['t1']);
  });
});
