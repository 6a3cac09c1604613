import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { textProblem } from '../application/text.js';
import { ENTRIES, META, insertTracks, listEntries, readMeta } from '../domain/playlist/document.js';
import { EditGate, EditRefusedError, type GateLimits } from './edit-gate.js';

const LIMITS: GateLimits = { maxEntries: 5, maxDocumentBytes: 64 * 1024, maxPendingBytes: 4 * 1024, maxClockSkewMs: 60_000 };
const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const TRACKS = new Set(['t1', 't2', 't3']);

/** A room's document with a gate, and a client document that edits as `userId`. */
function world(limits = LIMITS) {
  const room = new Y.Doc();
  const gate = new EditGate(room, limits, textProblem);
  const client = new Y.Doc();
  /** Sends what the client changed to the gate; applies what the gate lets through to the room. */
  const send = (change: (doc: Y.Doc) => void, userId = 'alice', from = client) => {
    const before = Y.encodeStateVector(room);
    change(from);
    const update = Y.encodeStateAsUpdate(from, before);
    const clients = new Set(Y.decodeUpdate(update).structs.map((s) => s.id.client));
    const out = gate.receive(update, { userId, clients, trackExists: (t) => TRACKS.has(t) }, NOW);
    if (out.update) Y.applyUpdate(room, out.update);
    return out;
  };
  const entry = (fields: Record<string, unknown>, entryId = 'e1') => (doc: Y.Doc) => {
    const map = new Y.Map<unknown>();
    for (const [key, value] of Object.entries(fields)) map.set(key, value);
    doc.getMap(ENTRIES).set(entryId, map);
  };
  return { room, gate, client, send, entry };
}

const good = { trackId: 't1', pos: 'a0', addedBy: 'alice', addedAt: '2026-01-01T11:00:00.000Z' };

function refusal(run: () => unknown): EditRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof EditRefusedError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('the edit gate', () => {
  it('lets a well-formed entry, a rename and a move through', () => {
    const { room, send, entry } = world();
    send(entry(good));
    send((doc) => doc.getMap(META).set('name', 'Road trip'));
    send((doc) => (doc.getMap(ENTRIES).get('e1') as Y.Map<unknown>).set('pos', 'a1'));
    expect(listEntries(room)).toEqual([{ entryId: 'e1', ...good, pos: 'a1' }]);
    expect(readMeta(room).name).toBe('Road trip');
  });

  const refused: Array<[string, (doc: Y.Doc) => void]> = [
    ['an unknown top-level type', (doc) => doc.getText('junk').insert(0, 'x'.repeat(1000))],
    ['a nested type in meta', (doc) => doc.getMap(META).set('name', new Y.Text('x'))],
    ['an unknown meta key', (doc) => doc.getMap(META).set('colour', 'red')],
    ['a name of 201 characters', (doc) => doc.getMap(META).set('name', 'x'.repeat(201))],
    ['an empty name', (doc) => doc.getMap(META).set('name', '')],
    ['a name with NUL', (doc) => doc.getMap(META).set('name', 'a\u0000b')],
    ['a description of 1,001 characters', (doc) => doc.getMap(META).set('description', 'd'.repeat(1_001))],
    ['an entry that is not a map', (doc) => doc.getMap(ENTRIES).set('e1', 'x')],
    ['an entry id of 8,000 characters', (doc) => doc.getMap(ENTRIES).set('e'.repeat(8_000), new Y.Map())],
    ['a pos of 8,000 characters', (doc) => world().entry({ ...good, pos: 'a0' + 'V'.repeat(8_000) })(doc)],
    ['a pos that is not a key', (doc) => world().entry({ ...good, pos: 'a0 ' })(doc)],
    ['a trackId of 100 KB', (doc) => world().entry({ ...good, trackId: 't'.repeat(100_000) })(doc)],
    ['a trackId with NUL', (doc) => world().entry({ ...good, trackId: 't\u0000' })(doc)],
    ['an unknown track', (doc) => world().entry({ ...good, trackId: 'nope' })(doc)],
    ['a missing field', (doc) => world().entry({ trackId: 't1', pos: 'a0', addedBy: 'alice' })(doc)],
    ['an extra field', (doc) => world().entry({ ...good, note: 'hi' })(doc)],
    ['a number for addedAt', (doc) => world().entry({ ...good, addedAt: 5 })(doc)],
    ['a Y.Text for trackId', (doc) => world().entry({ ...good, trackId: new Y.Text('t1') })(doc)],
  ];
  it.each(refused)('refuses %s, and the room never sees it', (_what, change) => {
    const { room, send, entry } = world();
    send(entry(good, 'e0'));
    const before = Y.encodeStateAsUpdate(room);
    const error = refusal(() => send(change));
    expect(error.kind).toBe('invalid');
    expect(Y.encodeStateAsUpdate(room)).toEqual(before);
  });

  it('refuses changing an entry other than moving it, and deleting meta.name', () => {
    const { send, entry } = world();
    send(entry(good));
    send((doc) => doc.getMap(META).set('name', 'n'));
    expect(refusal(() => send((doc) => (doc.getMap(ENTRIES).get('e1') as Y.Map<unknown>).set('trackId', 't2'))).kind).toBe('invalid');
    expect(refusal(() => send((doc) => (doc.getMap(ENTRIES).get('e1') as Y.Map<unknown>).delete('pos'))).kind).toBe('invalid');
    expect(refusal(() => send((doc) => doc.getMap(META).delete('name'))).kind).toBe('invalid');
  });

  it('after a refusal the gate takes good edits again (its copy is fresh)', () => {
    const { room, send, entry } = world();
    refusal(() => send((doc) => doc.getText('junk').insert(0, 'x')));
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(room));
    send(entry(good), 'alice', fresh);
    expect(listEntries(room).map((e) => e.entryId)).toEqual(['e1']);
  });

  it('repairs a forged addedBy and an addedAt in the future, in the same update', () => {
    const { room, send, entry } = world();
    const out = send(entry({ ...good, addedBy: 'bob', addedAt: '2027-01-01T00:00:00.000Z' }));
    expect(out.echo).toBe(true);
    const [stored] = listEntries(room);
    expect(stored).toMatchObject({ addedBy: 'alice', addedAt: new Date(NOW).toISOString() });
    // What the room got holds neither forged value.
    const text = Buffer.from(Y.encodeStateAsUpdate(room)).toString('latin1');
    expect(text).not.toContain('bob');
    expect(text).not.toContain('2027');
  });

  it('caps the entries, but lets a playlist at the cap remove', () => {
    const { room, send } = world();
    send((doc) => insertTracks(doc, ['t1', 't2', 't3', 't1', 't2'], undefined, { addedBy: 'alice', addedAt: good.addedAt, newId: (() => { let n = 0; return () => `e${(n += 1)}`; })() }));
    expect(listEntries(room)).toHaveLength(5);
    const error = refusal(() => send((doc) => insertTracks(doc, ['t3'], undefined, { addedBy: 'alice', addedAt: good.addedAt, newId: () => 'e6' })));
    expect(error.kind).toBe('too_large');
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(room));
    send((doc) => doc.getMap(ENTRIES).delete('e1'), 'alice', fresh);
    expect(listEntries(room)).toHaveLength(4);
  });

  it('caps the document size, measured (what was overwritten and collected does not count)', () => {
    const { send } = world({ ...LIMITS, maxDocumentBytes: 1_000 });
    for (let i = 0; i < 20; i += 1) send((doc) => doc.getMap(META).set('description', String(i % 10).repeat(400)));
    expect(refusal(() => send((doc) => doc.getMap(META).set('description', 'y'.repeat(1_000)))).kind).toBe('too_large');
  });

  it('holds updates whose dependencies have not arrived (the room sees them once they apply), up to a cap', () => {
    const { room, gate, client, entry } = world();
    entry(good)(client);
    const first = Y.encodeStateAsUpdate(client);
    const sv = Y.encodeStateVector(client);
    (client.getMap(ENTRIES).get('e1') as Y.Map<unknown>).set('pos', 'a5');
    const second = Y.encodeStateAsUpdate(client, sv);
    const sender = { userId: 'alice', clients: new Set([client.clientID]), trackExists: (t: string) => TRACKS.has(t) };
    expect(gate.receive(second, sender, NOW).update).toBeUndefined();
    expect(listEntries(room)).toEqual([]);
    const out = gate.receive(first, sender, NOW);
    Y.applyUpdate(room, out.update!);
    expect(listEntries(room)).toEqual([{ entryId: 'e1', ...good, pos: 'a5' }]);

    // Updates that wait forever stay under the cap.
    const stranger = new Y.Doc();
    stranger.getMap(META).set('name', 'x');
    const sv2 = Y.encodeStateVector(stranger);
    stranger.getMap(META).set('description', 'y'.repeat(5_000));
    const orphan = Y.encodeStateAsUpdate(stranger, sv2);
    expect(refusal(() => gate.receive(orphan, { ...sender, clients: new Set([stranger.clientID]) }, NOW)).kind).toBe('too_large');
  });

  it('checks edits made by the server (HTTP) too, refusing with the same rules', () => {
    const { room, gate } = world();
    const { result, update } = gate.change('alice', (doc) => insertTracks(doc, ['t1'], undefined, { addedBy: 'alice', addedAt: good.addedAt, newId: () => 'h1' }), NOW);
    Y.applyUpdate(room, update!);
    expect(result).toEqual(['h1']);
    expect(() => gate.change('alice', (doc) => doc.getMap(META).set('name', 'x'.repeat(300)), NOW)).toThrow(EditRefusedError);
    expect(listEntries(room).map((e) => e.entryId)).toEqual(['h1']);
  });
});
