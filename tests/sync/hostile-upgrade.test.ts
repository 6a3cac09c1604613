/**
 * Hostile WebSocket upgrades: URLs no client would send (broken percent-encoding that once threw
 * before any error handling and stopped the node), and the answers an upgrade gives away. Every
 * one is answered with an HTTP refusal and the enveloped error body; the node keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawUpgrade } from '../support/raw-http.js';
import { createPlaylist, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { demoTrack, eventually, openSynced } from '../support/sync-clients.js';

let cluster: SyncCluster;
let node: SyncNode;
let alice: SyncUser;

beforeAll(async () => {
  cluster = await startSyncCluster('hostile-upgrade');
  node = cluster.nodes[0]!;
  alice = await cluster.user('alice');
});

afterAll(async () => {
  await cluster?.close();
});

describe('upgrade URLs that do not decode', () => {
  const paths = [
    '/v1/sync/playlists/%E0%A4%A?token=x', // the request that stopped the node
    '/v1/sync/playlists/%E0%A4%A',
    '/v1/sync/playlists/%',
    '/v1/sync/playlists/%ZZ?token=x',
    '/v1/sync/playlists/%ED%A0%80?token=x', // a lone surrogate, percent-encoded
    '/v1/sync/playlists/%00?token=x',
    '/v1/sync/playlists/..%2F..%2Fetc?token=x',
    `/v1/sync/playlists/${'a'.repeat(4_000)}?token=x`,
    '/v1/sync/playlists/?token=%E0%A4%A',
  ];

  it('each is refused with 404 PLAYLIST_NOT_FOUND, and the node goes on serving', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Still here' });
    for (const path of paths) {
      const answer = await rawUpgrade(node.port, path);
      expect(answer.status, path.slice(0, 80)).toBe(404);
      expect(JSON.parse(answer.body), path.slice(0, 80)).toEqual({ error: { code: 'PLAYLIST_NOT_FOUND', message: expect.any(String) } });
      expect(node.running, `the node stopped after ${path.slice(0, 80)}`).toBe(true);
    }
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const client = await openSynced(node.syncUrl, playlistId, alice.token, { userId: alice.userId });
    try {
      const [entryId] = client.insert([demoTrack('after-the-storm')]);
      await eventually(async () => {
        const got = await alice.api.get<{ items: Array<{ entryId: string }> }>(`/v1/playlists/${playlistId}`);
        expect(got.body.items.map((i) => i.entryId)).toEqual([entryId]);
      });
    } finally {
      client.destroy();
    }
  });
});
