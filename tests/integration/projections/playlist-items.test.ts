/**
 * The playlist items read model follows the CRDT, not the order of the events: concurrent moves
 * land where every replica puts them, removes beat moves, and a rebuild gives the same items.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { insertTracks, listEntries, moveRange, removeEntries } from '../../../domain/playlist/document.js';
import type { PlaylistEdited } from '../../../domain/playlist/events.js';
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
});
