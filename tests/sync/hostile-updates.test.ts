/**
 * Hostile Yjs updates from an editor (the owner of a playlist), through the stock y-websocket
 * provider and raw sockets: what DESIGN.md section 5 does not allow is refused before anyone sees
 * it — the sender is closed with 4422 (the document's rules) or 4413 (too large), which stock
 * clients treat as final — and nothing of it is relayed or stored; a forged `addedBy` or an
 * `addedAt` in the future is repaired in the same step. Meanwhile the playlist, the read models
 * and other users go on working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadDocument } from '../../application/playlist-documents/load.js';
import { ENTRIES, META, insertTracks, listEntries, readMeta } from '../../domain/playlist/document.js';
import { MESSAGE_SYNC, SYNC_UPDATE } from '../../sync-server/protocol.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { closeCode, demoTrack, eventually, openClient, openSynced, rawConnect, sleep, type SyncClient } from '../support/sync-clients.js';

const MAX_PENDING_BYTES = 16 * 1024;

let cluster: SyncCluster;
let node: SyncNode;
let alice: SyncUser;
let bob: SyncUser;

beforeAll(async () => {
  cluster = await startSyncCluster('hostile-updates', 0);
  node = await cluster.addNode('n1', { CHORUS_SYNC_MAX_PENDING_BYTES: String(MAX_PENDING_BYTES) });
  alice = await cluster.user('alice');
  bob = await cluster.user('bob');
});

afterAll(async () => {
  await cluster?.close();
});

async function storedDoc(playlistId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const update of (await loadDocument(cluster.store, playlistId)).updates) Y.applyUpdate(doc, update);
  return doc;
}

const newEntry = (fields: Record<string, unknown>) => {
  const entry = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) entry.set(key, value);
  return entry;
};

const updateFrame = (update: Uint8Array) => {
  const length: number[] = [];
  let n = update.length;
  while (n > 0x7f) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  return Buffer.from([MESSAGE_SYNC, SYNC_UPDATE, ...length, ...update]);
};

describe('updates that break the document rules', () => {
  const good = () => ({ trackId: demoTrack('t-good'), pos: 'a5', addedBy: alice.userId, addedAt: new Date().toISOString() });
  const cases: Array<[string, (doc: Y.Doc) => void]> = [
    ['an 8,000-character pos', (doc) => doc.getMap(ENTRIES).set('e-pos', newEntry({ ...good(), pos: 'a0' + 'V'.repeat(8_000) }))],
    ['an 8,000-character entry id', (doc) => doc.getMap(ENTRIES).set('e'.repeat(8_000), newEntry(good()))],
    ['a trackId with NUL', (doc) => doc.getMap(ENTRIES).set('e-nul', newEntry({ ...good(), trackId: 'a\u0000b' }))],
    ['a 100 KB trackId', (doc) => doc.getMap(ENTRIES).set('e-big', newEntry({ ...good(), trackId: 't'.repeat(100_000) }))],
    ['a track not in the catalog', (doc) => doc.getMap(ENTRIES).set('e-unknown', newEntry({ ...good(), trackId: 'no-such-track' }))],
    ['an entry without addedAt', (doc) => doc.getMap(ENTRIES).set('e-short', newEntry({ trackId: demoTrack('t-good'), pos: 'a5', addedBy: alice.userId }))],
    ['an unknown top-level type (200 KB of text)', (doc) => doc.getText('junk').insert(0, 'x'.repeat(200_000))],
    ['a nested type as the name', (doc) => doc.getMap(META).set('name', new Y.Text('Mix'))],
    ['a 200,000-character name', (doc) => doc.getMap(META).set('name', 'n'.repeat(200_000))],
    ['a deleted name', (doc) => doc.getMap(META).delete('name')],
    ['a changed trackId', (doc) => (doc.getMap(ENTRIES).values().next().value as Y.Map<unknown>).set('trackId', demoTrack('t-other'))],
  ];

  it('each closes its sender with 4422 (the stock provider stops reconnecting), and nothing of it is relayed or stored', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Guarded' });
    const watcher = await openSynced(node.syncUrl, playlistId, alice.token, { label: 'watcher', userId: alice.userId });
    const [kept] = watcher.insert(['t-kept']);
    await eventually(async () => expect(listEntries(await storedDoc(playlistId)).map((e) => e.entryId)).toEqual([kept]));
    const eventsBefore = (await cluster.playlistEvents(playlistId)).length;
    const refusedBefore = (await node.metric('chorus_sync_updates_refused_total')) ?? 0;
    const seen: Uint8Array[] = [];
    watcher.doc.on('update', (update: Uint8Array) => seen.push(update));

    for (const [what, change] of cases) {
      const hostile = await openSynced(node.syncUrl, playlistId, alice.token, { label: 'hostile', userId: alice.userId });
      try {
        hostile.doc.transact(() => change(hostile.doc));
        await eventually(() => expect(hostile.closeCodes, what).toEqual([4422]), 5_000);
        await sleep(500);
        expect(hostile.closeCodes, `${what}: the provider reconnected`).toEqual([4422]);
        expect(hostile.provider.wsconnected || hostile.provider.wsconnecting, `${what}: the provider reconnected`).toBe(false);
      } finally {
        hostile.destroy();
      }
    }

    expect(seen, 'the watcher was sent something').toEqual([]);
    expect((await cluster.playlistEvents(playlistId)).length).toBe(eventsBefore);
    const stored = await storedDoc(playlistId);
    expect(listEntries(stored).map((e) => e.entryId)).toEqual([kept]);
    expect(readMeta(stored).name).toBe('Guarded');
    expect([...stored.share.keys()].sort()).toEqual([ENTRIES, META]);
    expect(((await node.metric('chorus_sync_updates_refused_total')) ?? 0) - refusedBefore).toBe(cases.length);

    // The playlist goes on: a good edit is relayed, stored and shown by the read model, and
    // another user's playlist still answers read-your-writes in time.
    const [next] = watcher.insert(['t-next']);
    await eventually(async () => {
      const got = await alice.api.get<{ items: Array<{ entryId: string }> }>(`/v1/playlists/${playlistId}`);
      expect(got.body.items.map((i) => i.entryId)).toEqual([kept, next]);
    });
    const other = await createPlaylist(bob, { name: 'Elsewhere' });
    const added = await bob.api.post<{ position: string }>(`/v1/playlists/${other}/items`, { trackIds: [demoTrack('t-elsewhere')] });
    expect(added.status, added.text).toBe(201);
    const started = Date.now();
    const read = await bob.api.get<{ items: unknown[] }>(`/v1/playlists/${other}?after=${encodeURIComponent(added.body.position)}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body.items).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    watcher.destroy();
  });

  it('10 MB sent into an unknown type, over many connections, adds nothing to the store', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Amplified' });
    const eventsBefore = (await cluster.playlistEvents(playlistId)).length;
    const sizeBefore = await tableBytes();
    for (let i = 0; i < 50; i += 1) {
      const outcome = await rawConnect(node.syncUrl, playlistId, alice.token);
      if (outcome.kind !== 'open') throw new Error(`not open: ${JSON.stringify(outcome)}`);
      const doc = new Y.Doc();
      doc.getText('junk').insert(0, 'x'.repeat(200_000));
      const closed = closeCode(outcome.socket);
      outcome.socket.send(updateFrame(Y.encodeStateAsUpdate(doc)));
      expect(await closed).toBe(4422);
    }
    expect((await cluster.playlistEvents(playlistId)).length).toBe(eventsBefore);
    expect(await tableBytes()).toBeLessThan(sizeBefore + 1024 * 1024);
  });
});

async function tableBytes(): Promise<number> {
  const [row] = await cluster.sql.query<{ bytes: string }>(`select pg_total_relation_size('es_events')::text as bytes`);
  return Number(row!.bytes);
}

describe('repairs', () => {
  it('a forged addedBy and an addedAt in the future are set by the server in the same step: nobody sees the forged values', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Attributed' });
    await setCollaborator(alice, playlistId, bob.userId, 'editor');
    const watcher = await openSynced(node.syncUrl, playlistId, alice.token, { label: 'watcher', userId: alice.userId });
    const seenBy: string[] = [];
    watcher.doc.getMap(ENTRIES).observeDeep(() => seenBy.push(...listEntries(watcher.doc).map((e) => e.addedBy)));
    const forger = await openSynced(node.syncUrl, playlistId, bob.token, { label: 'forger', userId: alice.userId });
    const before = Date.now();
    const [entryId] = insertTracks(forger.doc, [demoTrack('t-forged')], undefined, { addedBy: alice.userId, addedAt: '2099-01-01T00:00:00.000Z', newId: () => 'forged-1' });
    const expected = (entry: { addedBy: string; addedAt: string } | undefined) => {
      expect(entry?.addedBy).toBe(bob.userId);
      expect(Date.parse(entry!.addedAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(entry!.addedAt)).toBeLessThanOrEqual(Date.now() + 1_000);
    };
    await eventually(() => expected(watcher.entries()[0]));
    await eventually(() => expected(forger.entries()[0]));
    expect(seenBy.filter((by) => by !== bob.userId)).toEqual([]);
    await eventually(async () => expected(listEntries(await storedDoc(playlistId))[0]));
    expect(forger.closeCodes).toEqual([]);
    expect(entryId).toBe('forged-1');
    watcher.destroy();
    forger.destroy();
  });
});

describe('too large', () => {
  it('past 10,000 entries (the HTTP cap) the sender is closed with 4413; the playlist keeps its 10,000', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Huge' });
    const filler: SyncClient = openClient(node.syncUrl, playlistId, alice.token, { label: 'filler', userId: alice.userId });
    await filler.synced();
    for (let i = 0; i < 10; i += 1) filler.insert(Array.from({ length: 1_000 }, (_, j) => `t-${(i * 1_000 + j) % 50}`));
    filler.insert(['t-one-too-many']);
    await eventually(() => expect(filler.closeCodes).toEqual([4413]), 30_000, 100);
    await eventually(async () => expect(listEntries(await storedDoc(playlistId))).toHaveLength(10_000), 30_000, 200);
    await sleep(500);
    expect(filler.closeCodes).toEqual([4413]);
    expect(filler.provider.wsconnected || filler.provider.wsconnecting).toBe(false);
    filler.destroy();
  });

  it('updates waiting for changes that never arrive are held up to CHORUS_SYNC_MAX_PENDING_BYTES, then the sender is closed with 4413', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Pending' });
    const outcome = await rawConnect(node.syncUrl, playlistId, alice.token);
    if (outcome.kind !== 'open') throw new Error(`not open: ${JSON.stringify(outcome)}`);
    const closed = closeCode(outcome.socket, 10_000);
    const doc = new Y.Doc();
    doc.getMap(META).set('description', 'never sent');
    // Each update overwrites the one before, so each depends on that first change, never sent.
    for (let i = 0; i < 40 && outcome.socket.readyState === outcome.socket.OPEN; i += 1) {
      const sv = Y.encodeStateVector(doc);
      doc.getMap(META).set('description', String(i % 10).repeat(1_000));
      outcome.socket.send(updateFrame(Y.encodeStateAsUpdate(doc, sv)));
      await sleep(10);
    }
    expect(await closed).toBe(4413);
    expect(readMeta(await storedDoc(playlistId)).description).toBeUndefined();
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
  });
});
