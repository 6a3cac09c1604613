import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { textProblem } from '../application/text.js';
import { ENTRIES, META, insertTracks, listEntries, readMeta } from '../domain/playlist/document.js';
import { EditGate, EditRefusedError, type GateLimits } from './edit-gate.js';

const LIMITS: GateLimits = { maxEntries: 5, maxDocumentBytes: 64 * 1024, maxPendingBytes: 4 * 1024, maxClockSkewMs: 60_000 };
const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const TRACKS = new Set(['t1', 't2', 't3']);

interface Relayed {
  update: Uint8Array;
  origin: unknown;
  echo: boolean;
  released: string | undefined;
}

/**
 * A gate (the room's document), what it relays (applied to `peers`, the document the other peers
 * see), and a client document that edits as `userId`.
 */
function world(limits = LIMITS, stored: Uint8Array[] = []) {
  const peers = new Y.Doc();
  const relayed: Relayed[] = [];
  const docs: Y.Doc[] = [];
  const gate = new EditGate(stored, limits, textProblem, {
    accepted: (update, origin, _transaction, echo, released) => {
      relayed.push({ update, origin, echo, released });
      Y.applyUpdate(peers, update);
    },
    replaced: (doc) => docs.push(doc),
  });
  const client = new Y.Doc();
  const sender = (userId: string, update: Uint8Array) => ({ userId, clients: new Set(Y.decodeUpdate(update).structs.map((s) => s.id.client)), trackExists: (t: string) => TRACKS.has(t) });
  /** Sends what the client changed to the gate; returns what the gate relayed of it. */
  const send = (change: (doc: Y.Doc) => void, userId = 'alice', from = client) => {
    const before = Y.encodeStateVector(gate.doc);
    change(from);
    const update = Y.encodeStateAsUpdate(from, before);
    const count = relayed.length;
    gate.receive(update, sender(userId, update), NOW, 'client');
    return relayed.slice(count);
  };
  const entry = (fields: Record<string, unknown>, entryId = 'e1') => (doc: Y.Doc) => {
    const map = new Y.Map<unknown>();
    for (const [key, value] of Object.entries(fields)) map.set(key, value);
    doc.getMap(ENTRIES).set(entryId, map);
  };
  return { gate, peers, relayed, docs, client, sender, send, entry };
}

/** What a document shows (its content and what it has seen), to compare a rebuilt one with. */
const shown = (doc: Y.Doc) => ({ meta: doc.getMap(META).toJSON(), entries: doc.getMap(ENTRIES).toJSON(), sv: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort() });

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
  it('lets a well-formed entry, a rename and a move through, applying each once and relaying it', () => {
    const { gate, peers, relayed, send, entry } = world();
    send(entry(good));
    send((doc) => doc.getMap(META).set('name', 'Road trip'));
    send((doc) => (doc.getMap(ENTRIES).get('e1') as Y.Map<unknown>).set('pos', 'a1'));
    expect(listEntries(gate.doc)).toEqual([{ entryId: 'e1', ...good, pos: 'a1' }]);
    expect(readMeta(gate.doc).name).toBe('Road trip');
    expect(relayed.map((r) => [r.origin, r.echo, r.released])).toEqual(Array(3).fill(['client', false, undefined]));
    expect(shown(peers)).toEqual(shown(gate.doc));
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
  it.each(refused)('refuses %s: nothing is relayed, and the document is made again without it', (_what, change) => {
    const { gate, peers, relayed, docs, send, entry } = world();
    send(entry(good, 'e0'));
    const before = shown(gate.doc);
    const old = gate.doc;
    const error = refusal(() => send(change));
    expect(error.kind).toBe('invalid');
    expect(relayed).toHaveLength(1);
    expect(gate.doc).not.toBe(old);
    expect(docs.at(-1)).toBe(gate.doc);
    expect(shown(gate.doc)).toEqual(before);
    expect(shown(peers)).toEqual(before);
  });

  it('refuses changing an entry other than moving it, and deleting meta.name', () => {
    const { send, entry } = world();
    send(entry(good));
    send((doc) => doc.getMap(META).set('name', 'n'));
    expect(refusal(() => send((doc) => (doc.getMap(ENTRIES).get('e1') as Y.Map<unknown>).set('trackId', 't2'))).kind).toBe('invalid');
    expect(refusal(() => send((doc) => (doc.getMap(ENTRIES).get('e1') as Y.Map<unknown>).delete('pos'))).kind).toBe('invalid');
    expect(refusal(() => send((doc) => doc.getMap(META).delete('name'))).kind).toBe('invalid');
  });

  it('after a refusal takes good edits again, on the rebuilt document', () => {
    const { gate, send, entry } = world();
    refusal(() => send((doc) => doc.getText('junk').insert(0, 'x')));
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(gate.doc));
    send(entry(good), 'alice', fresh);
    expect(listEntries(gate.doc).map((e) => e.entryId)).toEqual(['e1']);
  });

  it('rebuilds from what it was loaded with and everything accepted since, across checkpoints', () => {
    const seed = new Y.Doc();
    seed.getMap(META).set('name', 'Loaded');
    const { gate, send } = world({ ...LIMITS, maxDocumentBytes: 10 * 1024 * 1024 }, [Y.encodeStateAsUpdate(seed)]);
    // 200 KB of accepted edits: the checkpoint moves several times (every 64 KB at least).
    for (let i = 0; i < 100; i += 1) send((doc) => doc.getMap(META).set('description', `${i}`.padEnd(1_000, '.')));
    const before = shown(gate.doc);
    expect(before.meta).toEqual({ name: 'Loaded', description: '99'.padEnd(1_000, '.') });
    refusal(() => send((doc) => doc.getMap(META).set('colour', 'red')));
    expect(shown(gate.doc)).toEqual(before);
  });

  it('drops an update that Yjs cannot read (nothing relayed) and throws what Yjs threw', () => {
    const { gate, relayed, send, entry, sender } = world();
    send(entry(good));
    const before = shown(gate.doc);
    expect(() => gate.receive(new Uint8Array([0, 5, 200, 1, 9, 9]), sender('alice', Y.encodeStateAsUpdate(new Y.Doc())), NOW, 'client')).toThrow();
    expect(relayed).toHaveLength(1);
    expect(shown(gate.doc)).toEqual(before);
  });

  it('repairs a forged addedBy and an addedAt in the future, in the same update, and echoes it to the sender', () => {
    const { gate, relayed, send, entry } = world();
    const [out] = send(entry({ ...good, addedBy: 'bob', addedAt: '2027-01-01T00:00:00.000Z' }));
    expect(out!.echo).toBe(true);
    const [stored] = listEntries(gate.doc);
    expect(stored).toMatchObject({ addedBy: 'alice', addedAt: new Date(NOW).toISOString() });
    // What the peers got holds neither forged value.
    const text = Buffer.from(relayed[0]!.update).toString('latin1');
    expect(text).not.toContain('bob');
    expect(text).not.toContain('2027');
  });

  it('caps the entries, but lets a playlist at the cap remove', () => {
    const { gate, send } = world();
    send((doc) => insertTracks(doc, ['t1', 't2', 't3', 't1', 't2'], undefined, { addedBy: 'alice', addedAt: good.addedAt, newId: (() => { let n = 0; return () => `e${(n += 1)}`; })() }));
    expect(listEntries(gate.doc)).toHaveLength(5);
    const error = refusal(() => send((doc) => insertTracks(doc, ['t3'], undefined, { addedBy: 'alice', addedAt: good.addedAt, newId: () => 'e6' })));
    expect(error.kind).toBe('too_large');
    expect(listEntries(gate.doc)).toHaveLength(5);
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(gate.doc));
    send((doc) => doc.getMap(ENTRIES).delete('e1'), 'alice', fresh);
    expect(listEntries(gate.doc)).toHaveLength(4);
  });

  it('caps the document size, measured (what was overwritten and collected does not count)', () => {
    const { send } = world({ ...LIMITS, maxDocumentBytes: 1_000 });
    for (let i = 0; i < 20; i += 1) send((doc) => doc.getMap(META).set('description', String(i % 10).repeat(400)));
    expect(refusal(() => send((doc) => doc.getMap(META).set('description', 'y'.repeat(1_000)))).kind).toBe('too_large');
  });

  it('holds updates whose dependencies have not arrived (relayed once they apply, never in a sync answer before), up to a cap', () => {
    const { gate, relayed, client, entry, sender } = world();
    entry(good)(client);
    const first = Y.encodeStateAsUpdate(client);
    const sv = Y.encodeStateVector(client);
    (client.getMap(ENTRIES).get('e1') as Y.Map<unknown>).set('pos', 'a5');
    const second = Y.encodeStateAsUpdate(client, sv);
    gate.receive(second, sender('alice', second), NOW, 'client');
    expect(relayed).toEqual([]);
    expect(listEntries(gate.doc)).toEqual([]);
    expect(gate.settled((doc) => Y.encodeStateAsUpdate(doc))).toEqual(Y.encodeStateAsUpdate(new Y.Doc()));
    gate.receive(first, sender('alice', first), NOW, 'client');
    expect(relayed.map((r) => r.echo)).toEqual([true]);
    const peer = new Y.Doc();
    Y.applyUpdate(peer, relayed[0]!.update);
    expect(listEntries(peer)).toEqual([{ entryId: 'e1', ...good, pos: 'a5' }]);

    // Updates that wait forever stay under the cap.
    const stranger = new Y.Doc();
    stranger.getMap(META).set('name', 'x');
    const sv2 = Y.encodeStateVector(stranger);
    stranger.getMap(META).set('description', 'y'.repeat(5_000));
    const orphan = Y.encodeStateAsUpdate(stranger, sv2);
    expect(refusal(() => gate.receive(orphan, sender('mallory', orphan), NOW, 'client')).kind).toBe('too_large');
    expect(gate.settled((doc) => listEntries(doc))).toHaveLength(1);
  });

  it('checks what a trusted update releases of a client edit that waited for it, and stores it as that user', () => {
    const other = new Y.Doc();
    other.getMap(META).set('name', 'From another node');
    const dependency = Y.encodeStateAsUpdate(other);
    const { gate, relayed, sender } = world();
    // alice's client saw the other node's rename first, then renamed: hers waits for it here.
    const alice = new Y.Doc();
    Y.applyUpdate(alice, dependency);
    const sv = Y.encodeStateVector(alice);
    alice.getMap(META).set('name', 'Renamed');
    const edit = Y.encodeStateAsUpdate(alice, sv);
    gate.receive(edit, sender('alice', edit), NOW, 'client');
    expect(relayed).toEqual([]);
    gate.follow(dependency, 'fanout');
    expect(relayed.map((r) => [r.origin, r.released])).toEqual([['fanout', 'alice']]);
    expect(readMeta(gate.doc).name).toBe('Renamed');

    // mallory's waiting edit breaks the rules: dropped, and the trusted update still applies.
    const next = world();
    const mallory = new Y.Doc();
    Y.applyUpdate(mallory, dependency);
    const sv3 = Y.encodeStateVector(mallory);
    mallory.getMap(META).set('name', 'x'.repeat(300));
    const bad = Y.encodeStateAsUpdate(mallory, sv3);
    next.gate.receive(bad, next.sender('mallory', bad), NOW, 'client');
    expect(next.relayed).toEqual([]);
    next.gate.follow(dependency, 'fanout');
    expect(next.gate.doc.getMap(META).toJSON()).toEqual({ name: 'From another node' });
    expect(next.relayed.map((r) => [r.origin, r.released])).toEqual([['fanout', undefined]]);
  });

  it('checks edits made by the server (HTTP) too, refusing with the same rules', () => {
    const { gate, relayed } = world();
    const result = gate.change('alice', (doc) => insertTracks(doc, ['t1'], undefined, { addedBy: 'alice', addedAt: good.addedAt, newId: () => 'h1' }), NOW, 'http');
    expect(result).toEqual(['h1']);
    expect(relayed.map((r) => r.origin)).toEqual(['http']);
    expect(() => gate.change('alice', (doc) => doc.getMap(META).set('name', 'x'.repeat(300)), NOW, 'http')).toThrow(EditRefusedError);
    expect(listEntries(gate.doc).map((e) => e.entryId)).toEqual(['h1']);
    expect(relayed).toHaveLength(1);
  });
});
