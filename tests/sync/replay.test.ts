/**
 * The playlist items read model (projections/sql/playlist-items.ts) against real servers: after a
 * history made by providers on two nodes and by the HTTP routes — concurrent moves across nodes,
 * a remove racing a move, offline edits, a viewer's dropped edits, and enough edits for a
 * compaction — `GET /v1/playlists/:id` shows what the clients see; and rebuilding the projection
 * from the stored events (`chorus projections rebuild playlist-items`, a real CLI process) gives
 * the same items, which running servers then serve.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadDocument } from '../../application/playlist-documents/load.js';
import { listEntries, moveRange, removeEntries, rename, type Entry } from '../../domain/playlist/document.js';
import { listGenerations } from '../../projections/registry.js';
import { inheritedEnv } from '../support/process.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { demoTrack, eventually, openSynced, order, type SyncClient } from '../support/sync-clients.js';

let cluster: SyncCluster;
let n1: SyncNode;
let n2: SyncNode;
let alice: SyncUser;
let bob: SyncUser;
let viewer: SyncUser;
let clients: SyncClient[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster('replay', 2);
  [n1, n2] = cluster.nodes as [SyncNode, SyncNode];
  alice = await cluster.user('alice');
  bob = await cluster.user('bob');
  viewer = await cluster.user('viewer');
});

afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
});

afterAll(async () => {
  await cluster?.close();
});

async function open(node: SyncNode, user: SyncUser, playlistId: string, label: string): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, user.token, { label, userId: user.userId });
  clients.push(client);
  return client;
}

interface Item {
  entryId: string;
  trackId: string;
  addedBy: string;
  addedAt: string;
}
const asItems = (entries: readonly Entry[]): Item[] => entries.map(({ entryId, trackId, addedBy, addedAt }) => ({ entryId, trackId, addedBy, addedAt }));

async function itemsOf(node: SyncNode, playlistId: string): Promise<Item[]> {
  const got = await node.api.as(alice.token).get<{ items: Item[] }>(`/v1/playlists/${playlistId}`);
  expect(got.status, got.text).toBe(200);
  return got.body.items;
}

/** The document rebuilt from the stored events alone. */
async function storedEntries(playlistId: string): Promise<Entry[]> {
  const stored = await loadDocument(cluster.store, playlistId);
  const doc = new Y.Doc();
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  const entries = listEntries(doc);
  doc.destroy();
  return entries;
}

/** A history on one playlist; returns the entries every client converged on. */
async function history(playlistId: string, withCompaction: boolean): Promise<Entry[]> {
  await setCollaborator(alice, playlistId, bob.userId, 'editor');
  await setCollaborator(alice, playlistId, viewer.userId, 'viewer');
  const a = await open(n1, alice, playlistId, 'a@n1');
  const b = await open(n2, bob, playlistId, 'b@n2');
  const v = await open(n2, viewer, playlistId, 'v@n2');

  const added = await alice.api.post<{ entryIds: string[] }>(`/v1/playlists/${playlistId}/items`, {
    trackIds: ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4'],
  });
  expect(added.status, added.text).toBe(201);
  await eventually(() => expect([a.entries().length, b.entries().length]).toEqual([4, 4]));
  a.insert(['t-a1', 't-a2'], 1);
  b.insert(['t-b1'], 0);
  await eventually(() => expect(order(b.entries())).toEqual(order(a.entries())));
  expect(a.entries()).toHaveLength(7);

  // Concurrent moves of the same entry on two nodes, and a remove racing a move (offline both).
  a.provider.disconnect();
  b.provider.disconnect();
  const target = a.entries()[2]!.entryId;
  moveRange(a.doc, 2, 7);
  moveRange(b.doc, 2, 0);
  const doomed = a.entries()[4]!.entryId;
  removeEntries(b.doc, [doomed]);
  moveRange(a.doc, a.entries().findIndex((e) => e.entryId === doomed), 1);
  rename(a.doc, 'Offline on n1');
  b.insert(['t-b-offline'], 3);
  a.provider.connect();
  b.provider.connect();
  await eventually(() => {
    expect(order(b.entries())).toEqual(order(a.entries()));
    expect(order(v.entries())).toEqual(order(a.entries()));
  }, 10_000);
  expect(a.entries().map((e) => e.entryId)).toContain(target);
  expect(a.entries().map((e) => e.entryId)).not.toContain(doomed);

  // HTTP on the other node, a viewer's edit (dropped), more provider edits.
  const moved = await n2.api.as(bob.token).put(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 0, insertBefore: 4, rangeLength: 2 });
  expect(moved.status, moved.text).toBe(200);
  const removed = await alice.api.delete(`/v1/playlists/${playlistId}/items`, { json: { entryIds: [a.entries()[1]!.entryId] } });
  expect(removed.status, removed.text).toBe(200);
  v.insert(['t-viewer'], 0);
  b.insert(['t-b2', 't-b3'], 2);

  if (withCompaction) {
    // Enough separately stored edits for the sync server to store a PlaylistCompacted (after 500).
    // Edits of one actor stored together become one event, so four editors take turns: each
    // waits for its own answer, so no two of one actor are ever stored in one batch.
    const editors = [alice, bob, ...(await Promise.all([cluster.user('dora'), cluster.user('ed')]))];
    for (const editor of editors.slice(2)) await setCollaborator(alice, playlistId, editor.userId, 'editor');
    await Promise.all(
      editors.map(async (editor) => {
        for (let i = 0; i < 130; i += 1) {
          const response = await editor.api.put(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 0, insertBefore: 3 });
          expect(response.status, response.text).toBe(200);
        }
      }),
    );
    await eventually(async () => expect((await cluster.playlistEvents(playlistId)).some((e) => e.type === 'PlaylistCompacted')).toBe(true), 10_000, 200);
  }

  await eventually(() => {
    expect(order(b.entries())).toEqual(order(a.entries()));
    // The viewer keeps its own edit locally (the server dropped it); everything else it has.
    expect(order(v.entries().filter((e) => e.trackId !== demoTrack('t-viewer')))).toEqual(order(a.entries()));
  }, 10_000);
  expect(a.entries().map((e) => e.trackId)).not.toContain(demoTrack('t-viewer'));
  return a.entries();
}

describe('the playlist items read model', () => {
  it('shows what the clients see, and a rebuild from the stored events gives the same items', async () => {
    const playlists = [await createPlaylist(alice, { name: 'Replay 1' }), await createPlaylist(alice, { name: 'Replay 2' })];
    const expected = new Map<string, Item[]>();
    for (const [i, playlistId] of playlists.entries()) expected.set(playlistId, asItems(await history(playlistId, i === 1)));

    for (const [playlistId, items] of expected) {
      expect(asItems(await storedEntries(playlistId)), 'the document rebuilt from the store').toEqual(items);
      for (const node of [n1, n2]) {
        await eventually(async () => expect(await itemsOf(node, playlistId), `GET on ${node.name}`).toEqual(items), 10_000, 100);
      }
    }

    const before = (await listGenerations(cluster.sql, 'playlist-items')).find((g) => g.status === 'active')!;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/chorus.mjs', 'projections', 'rebuild', 'playlist-items'], {
      env: { ...inheritedEnv(), ...cluster.env, LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    console.log(`[replay] chorus projections rebuild playlist-items: ${Date.now() - started} ms; ${stdout.trim()}`);
    const after = (await listGenerations(cluster.sql, 'playlist-items')).find((g) => g.status === 'active')!;
    expect(after.generation).toBeGreaterThan(before.generation);

    for (const [playlistId, items] of expected) {
      for (const node of [n1, n2]) {
        await eventually(async () => expect(await itemsOf(node, playlistId), `GET on ${node.name} after the rebuild`).toEqual(items), 10_000, 100);
      }
    }
  });
});
