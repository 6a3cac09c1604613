import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DomainError } from '../shared/errors.js';
import { EMPTY_UPDATE, MAX_EDIT_EVENT_BYTES, decideDocument } from './document-decider.js';
import type { PlaylistChange, PlaylistEdited } from './events.js';

const at = '2024-05-01T12:00:00.000Z';
const store = (changes: PlaylistChange[], update = 'AQID') =>
  decideDocument({ type: 'StoreEdits', playlistId: 'pl-1', at, edits: [{ update, changes, actorId: 'alice' }] }, null) as PlaylistEdited[];
const bytes = (event: PlaylistEdited) => Buffer.byteLength(JSON.stringify(event.data));
const removals = (n: number): PlaylistChange[] => Array.from({ length: n }, (_, i) => ({ op: 'remove', entryId: `entry-${i.toString().padStart(8, '0')}` }));

describe('storing edits', () => {
  it('stores an edit as one PlaylistEdited with its update and changes', () => {
    const changes: PlaylistChange[] = [{ op: 'add', entryId: 'e1', trackId: 't1', pos: 'a0' }];
    expect(store(changes)).toEqual([{ type: 'PlaylistEdited', data: { playlistId: 'pl-1', update: 'AQID', changes, editedBy: 'alice', at } }]);
  });

  it('splits the changes of a small update that removed very many entries over several events, each within the limit', () => {
    const changes = removals(40_000);
    const events = store(changes);
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) expect(bytes(event)).toBeLessThanOrEqual(MAX_EDIT_EVENT_BYTES);
    expect(events[0]!.data.update).toBe('AQID');
    expect(events.slice(1).every((e) => e.data.update === EMPTY_UPDATE)).toBe(true);
    expect(events.flatMap((e) => e.data.changes)).toEqual(changes);
  });

  it('pads later events with an update that changes nothing', () => {
    const doc = new Y.Doc();
    doc.getMap('entries').set('x', 1);
    const before = Y.encodeStateAsUpdate(doc);
    Y.applyUpdate(doc, Buffer.from(EMPTY_UPDATE, 'base64'));
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(Buffer.from(Y.encodeStateAsUpdate(new Y.Doc())).toString('base64')).toBe(EMPTY_UPDATE);
  });

  it('refuses an edit that cannot fit: an update or a single change beyond the limit', () => {
    expect(() => store([], 'A'.repeat(MAX_EDIT_EVENT_BYTES))).toThrow(DomainError);
    expect(() => store([{ op: 'rename', name: 'x'.repeat(MAX_EDIT_EVENT_BYTES) }])).toThrow(DomainError);
  });
});
