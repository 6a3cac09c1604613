/**
 * The stock y-websocket provider against a real Chorus process: two providers edit one playlist
 * with the document functions and converge, a provider that joins later gets everything, HTTP
 * item edits and provider edits meet in the same document, and awareness is relayed and removed
 * when a provider goes away.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { moveRange, removeEntries, rename } from '../../domain/playlist/document.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { demoTrack, eventually, openSynced, order, type SyncClient } from '../support/sync-clients.js';

let cluster: SyncCluster;
let node: SyncNode;
let alice: SyncUser;
let bob: SyncUser;
let clients: SyncClient[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster('interop');
  node = cluster.nodes[0]!;
  alice = await cluster.user('alice');
  bob = await cluster.user('bob');
});

afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
});

afterAll(async () => {
  await cluster?.close();
});

async function open(user: SyncUser, playlistId: string, label: string): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, user.token, { label, userId: user.userId });
  clients.push(client);
  return client;
}

async function sharedPlaylist(): Promise<string> {
  const playlistId = await createPlaylist(alice, { name: 'Interop' });
  await setCollaborator(alice, playlistId, bob.userId, 'editor');
  return playlistId;
}

describe('two stock providers on one playlist', () => {
  it('insert, remove, move and rename converge, and a provider that joins later gets everything', async () => {
    const playlistId = await sharedPlaylist();
    const a = await open(alice, playlistId, 'alice');
    const b = await open(bob, playlistId, 'bob');
    expect(a.name()).toBe('Interop'); // seeded by POST /v1/playlists

    const [x, y, z] = a.insert(['t-x', 't-y', 't-z']);
    await eventually(() => expect(order(b.entries())).toEqual(order(a.entries())));
    const [w] = b.insert(['t-w'], 0);
    removeEntries(a.doc, [y!]);
    await eventually(() => expect(b.entries().map((e) => e.entryId)).toEqual([w, x, z]));
    await eventually(() => expect(a.entries().map((e) => e.entryId)).toEqual([w, x, z]));

    // Spotify semantics: move [w] to before index 3 (the end) -> x, z, w.
    expect(moveRange(b.doc, 0, 3, 1)).toBe(true);
    rename(a.doc, 'Interop, renamed');
    await eventually(() => {
      expect(a.entries().map((e) => e.entryId)).toEqual([x, z, w]);
      expect(b.entries()).toEqual(a.entries());
      expect(b.name()).toBe('Interop, renamed');
    });

    // Concurrent edits on both sides, then convergence.
    a.insert(['t-a1', 't-a2'], 1);
    b.insert(['t-b1'], 1);
    moveRange(a.doc, 0, 2);
    rename(b.doc, 'Interop, final');
    await eventually(() => {
      expect(b.entries()).toEqual(a.entries());
      expect(a.name()).toBe(b.name());
    });
    expect(a.entries()).toHaveLength(6);

    const late = await open(alice, playlistId, 'late');
    expect(late.entries()).toEqual(a.entries());
    expect(late.name()).toBe(a.name());
    expect(late.entries().map((e) => e.trackId).sort()).toEqual(['t-a1', 't-a2', 't-b1', 't-w', 't-x', 't-z'].map(demoTrack).sort());
  });
});

describe('HTTP item edits and providers on the same document', () => {
  it('POST/DELETE items and PUT order reach the providers; provider edits reach a later HTTP client', async () => {
    const playlistId = await sharedPlaylist();
    const a = await open(alice, playlistId, 'alice');
    const b = await open(bob, playlistId, 'bob');

    const added = await alice.api.post<{ entryIds: string[] }>(`/v1/playlists/${playlistId}/items`, {
      trackIds: ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4'],
    });
    expect(added.status, added.text).toBe(201);
    const [e1, e2, e3, e4] = added.body.entryIds;
    await eventually(() => {
      expect(a.entries().map((e) => e.entryId)).toEqual([e1, e2, e3, e4]);
      expect(b.entries().map((e) => e.entryId)).toEqual([e1, e2, e3, e4]);
    });
    expect(a.entries()[0]).toMatchObject({ trackId: 'demo-track-0-1', addedBy: alice.userId });

    // At a position: before index 1.
    const inserted = await bob.api.post<{ entryIds: string[] }>(`/v1/playlists/${playlistId}/items`, { trackIds: ['demo-track-0-4'], position: 1 });
    expect(inserted.status, inserted.text).toBe(201);
    const [e5] = inserted.body.entryIds;
    await eventually(() => expect(b.entries().map((e) => e.entryId)).toEqual([e1, e5, e2, e3, e4]));

    // Spotify: rangeStart 1, rangeLength 2, insertBefore 4 -> e1, e3, e5, e2, e4.
    const moved = await alice.api.put<{ moved: boolean }>(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 1, insertBefore: 4, rangeLength: 2 });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.moved).toBe(true);
    await eventually(() => {
      expect(a.entries().map((e) => e.entryId)).toEqual([e1, e3, e5, e2, e4]);
      expect(b.entries()).toEqual(a.entries());
    });
    // To the start (insertBefore 0), a range of one.
    expect((await bob.api.put(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 4, insertBefore: 0 })).status).toBe(200);
    await eventually(() => expect(a.entries().map((e) => e.entryId)).toEqual([e4, e1, e3, e5, e2]));

    const removed = await bob.api.delete<{ removed: string[] }>(`/v1/playlists/${playlistId}/items`, { json: { entryIds: [e3, 'no-such-entry'] } });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body.removed).toEqual([e3]);
    await eventually(() => {
      expect(a.entries().map((e) => e.entryId)).toEqual([e4, e1, e5, e2]);
      expect(b.entries()).toEqual(a.entries());
    });

    // Provider edits, then an HTTP client that comes later.
    const [p1] = a.insert(['t-provider'], 2);
    removeEntries(b.doc, [e1!]);
    rename(b.doc, 'Edited by a provider');
    await eventually(() => expect(a.entries().map((e) => e.entryId)).toEqual([e4, p1, e5, e2]));
    await eventually(() => expect(b.entries()).toEqual(a.entries()));

    const fresh = await open(alice, playlistId, 'fresh');
    expect(fresh.entries()).toEqual(a.entries());
    expect(fresh.name()).toBe('Edited by a provider');
    // The server's document (which the HTTP routes edit) has the provider's entry and order.
    const reorder = await alice.api.put<{ moved: boolean }>(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 1, insertBefore: 4 });
    expect(reorder.status, reorder.text).toBe(200);
    await eventually(() => expect(fresh.entries().map((e) => e.entryId)).toEqual([e4, e5, e2, p1]));
    const dropped = await alice.api.delete<{ removed: string[] }>(`/v1/playlists/${playlistId}/items`, { json: { entryIds: [p1] } });
    expect(dropped.body.removed).toEqual([p1]);
    await eventually(() => expect(b.entries().map((e) => e.entryId)).toEqual([e4, e5, e2]));
    // The read model takes the provider's rename.
    await eventually(async () => {
      const got = await alice.api.get<{ name: string }>(`/v1/playlists/${playlistId}`);
      expect(got.body.name).toBe('Edited by a provider');
    }, 10_000);

    // Out of range: refused, nothing changes.
    const bad = await alice.api.put(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 2, insertBefore: 0, rangeLength: 5 });
    expect(bad.status).toBe(400);
  });
});

describe('concurrent appends', () => {
  it('two devices that append at the same time leave entries that others can still insert and move between', async () => {
    const playlistId = await sharedPlaylist();
    const a = await open(alice, playlistId, 'alice');
    const b = await open(bob, playlistId, 'bob');
    const [first] = a.insert(['t-first']);
    await eventually(() => expect(b.entries()).toHaveLength(1));
    // Both append at the end while offline (as two phones on a train would), then come back.
    a.provider.disconnect();
    b.provider.disconnect();
    const [fromA] = a.insert(['t-from-a']);
    const [fromB] = b.insert(['t-from-b']);
    a.provider.connect();
    b.provider.connect();
    await eventually(() => {
      expect(a.entries()).toHaveLength(3);
      expect(b.entries()).toEqual(a.entries());
    });
    const [, second, third] = a.entries().map((e) => e.entryId);
    expect([second, third].sort()).toEqual([fromA, fromB].sort());

    // Between the two appended entries: through HTTP (insert and move) and through the document functions.
    const added = await alice.api.post<{ entryIds: string[] }>(`/v1/playlists/${playlistId}/items`, { trackIds: ['demo-track-0-1'], position: 2 });
    expect(added.status, added.text).toBe(201);
    await eventually(() => expect(a.entries().map((e) => e.entryId)).toEqual([first, second, added.body.entryIds[0], third]));
    const moved = await alice.api.put(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 0, insertBefore: 2 });
    expect(moved.status, moved.text).toBe(200);
    expect(() => b.insert(['t-between'], 2)).not.toThrow();
  });
});

describe('awareness', () => {
  it('is relayed between providers and removed when a provider leaves (cleanly or abruptly)', async () => {
    const playlistId = await sharedPlaylist();
    const a = await open(alice, playlistId, 'alice');
    const b = await open(bob, playlistId, 'bob');
    a.provider.awareness.setLocalState({ user: 'alice', cursor: 3 });
    b.provider.awareness.setLocalState({ user: 'bob', cursor: 1 });
    await eventually(() => {
      expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: 'alice', cursor: 3 });
      expect(a.provider.awareness.getStates().get(b.doc.clientID)).toEqual({ user: 'bob', cursor: 1 });
    });
    a.provider.awareness.setLocalStateField('cursor', 4);
    await eventually(() => expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: 'alice', cursor: 4 }));

    // A provider that joins later is told the states present (and answers query-awareness).
    const c = await open(alice, playlistId, 'carol');
    await eventually(() => {
      expect(c.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: 'alice', cursor: 4 });
      expect(c.provider.awareness.getStates().get(b.doc.clientID)).toEqual({ user: 'bob', cursor: 1 });
    });

    // Clean: the provider disconnects (it says so itself).
    a.provider.disconnect();
    await eventually(() => {
      expect(b.provider.awareness.getStates().has(a.doc.clientID)).toBe(false);
      expect(c.provider.awareness.getStates().has(a.doc.clientID)).toBe(false);
    });

    // Abrupt: the connection drops without a word; the server removes the states it relayed.
    b.provider.shouldConnect = false;
    (b.provider.ws as unknown as WebSocket).terminate();
    await eventually(() => expect(c.provider.awareness.getStates().has(b.doc.clientID)).toBe(false), 3_000);
  });
});
