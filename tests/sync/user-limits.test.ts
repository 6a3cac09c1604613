/**
 * Per-user limits on the playlist sync socket: edits a second (a token bucket per node, and a
 * window shared by the nodes through Redis), connections a user may hold on a node, and awareness
 * states (a connection sets only its own client ids, a few at most). Two real nodes, stock
 * y-websocket providers and raw sockets.
 */
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { MESSAGE_AWARENESS } from '../../sync-server/protocol.js';
import { createPlaylist, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { eventually, openClient, openSynced, rawConnect, sleep, type SyncClient } from '../support/sync-clients.js';

let cluster: SyncCluster;
let n1: SyncNode;
let n2: SyncNode;
let clients: SyncClient[] = [];
const sockets: WebSocket[] = [];

const LIMITS = {
  CHORUS_SYNC_EDITS_PER_SECOND: '2',
  CHORUS_SYNC_EDIT_BURST: '4',
  CHORUS_SYNC_MAX_CONNECTIONS_PER_USER: '3',
  CHORUS_SYNC_MAX_AWARENESS_PER_CONNECTION: '2',
};

beforeAll(async () => {
  cluster = await startSyncCluster('user_limits', 0);
  Object.assign(cluster.env, LIMITS);
  n1 = await cluster.addNode('n1');
  n2 = await cluster.addNode('n2');
}, 120_000);

afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
  for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
  await cluster?.close();
});

async function synced(node: SyncNode, playlistId: string, user: SyncUser, label: string): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, user.token, { label, userId: user.userId });
  clients.push(client);
  return client;
}

async function limited(node: SyncNode, limit: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`chorus_sync_limited_total{limit="${limit}"}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('edits a second', () => {
  it('a burst past the bucket closes the sender with 4529; the stock provider reconnects and resyncs, and nothing is lost', async () => {
    const alice = await cluster.user('alice');
    const playlistId = await createPlaylist(alice);
    const writer = await synced(n1, playlistId, alice, 'writer');
    const before = await limited(n1, 'edits');
    for (let i = 0; i < 12; i += 1) writer.insert([`burst-${i}`]);
    await eventually(() => expect(writer.closeCodes).toContain(4529), 5_000);
    expect(await limited(n1, 'edits')).toBeGreaterThan(before);
    // The provider came back (4529 is not final) and sent what the server lacked in one update.
    const reader = await synced(n1, playlistId, alice, 'reader');
    await eventually(() => expect(reader.entries()).toHaveLength(12), 10_000);
  });

  it('counts across nodes through Redis: a pace each node allows alone is refused once both add up past the shared window', async () => {
    const spread = await cluster.user('spread');
    const steady = await cluster.user('steady');
    const spreadList = await createPlaylist(spread);
    const steadyList = await createPlaylist(steady);
    const onN1 = await synced(n1, spreadList, spread, 'spread-n1');
    const onN2 = await synced(n2, spreadList, spread, 'spread-n2');
    const control = await synced(n1, steadyList, steady, 'steady-n1');
    // 1.7 edits a second on each node: under the bucket's 2/s; together 3.3/s, past the shared
    // window's 2/s × 5 s + 4.
    for (let i = 0; i < 13; i += 1) {
      onN1.insert([`spread-a-${i}`]);
      onN2.insert([`spread-b-${i}`]);
      control.insert([`steady-${i}`]);
      await sleep(600);
      if (onN1.closeCodes.includes(4529) || onN2.closeCodes.includes(4529)) break;
    }
    expect([...onN1.closeCodes, ...onN2.closeCodes]).toContain(4529);
    expect(control.closeCodes).not.toContain(4529);
  }, 20_000);
});

describe('connections a user holds', () => {
  it('past CHORUS_SYNC_MAX_CONNECTIONS_PER_USER an upgrade is 429 RATE_LIMITED; other users and other nodes are not affected; closing one makes room', async () => {
    const reader = await cluster.user('many');
    const other = await cluster.user('other');
    const playlistId = await createPlaylist(reader, { public: true });
    for (let i = 0; i < 3; i += 1) {
      const outcome = await rawConnect(n1.syncUrl, playlistId, reader.token);
      if (outcome.kind !== 'open') throw new Error(`connection ${i}: ${JSON.stringify(outcome)}`);
      sockets.push(outcome.socket);
    }
    const refused = await rawConnect(n1.syncUrl, playlistId, reader.token);
    expect(refused).toMatchObject({ kind: 'refused', status: 429, opened: false });
    if (refused.kind === 'refused') expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(await limited(n1, 'connections')).toBeGreaterThan(0);

    const byOther = await rawConnect(n1.syncUrl, playlistId, other.token);
    expect(byOther.kind).toBe('open');
    if (byOther.kind === 'open') sockets.push(byOther.socket);
    const onN2 = await rawConnect(n2.syncUrl, playlistId, reader.token);
    expect(onN2.kind).toBe('open');
    if (onN2.kind === 'open') sockets.push(onN2.socket);

    sockets[0]!.close();
    await eventually(async () => {
      const again = await rawConnect(n1.syncUrl, playlistId, reader.token);
      if (again.kind === 'open') sockets.push(again.socket);
      expect(again.kind).toBe('open');
    }, 5_000, 100);
  });
});

/** An awareness message setting these client ids' states (clock and JSON state). */
function awarenessFrame(entries: ReadonlyArray<{ clientId: number; clock: number; state: unknown }>): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(update, entry.clientId);
    encoding.writeVarUint(update, entry.clock);
    encoding.writeVarString(update, JSON.stringify(entry.state));
  }
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

describe('awareness', () => {
  it("a reader cannot overwrite another connection's state, and sets at most CHORUS_SYNC_MAX_AWARENESS_PER_CONNECTION ids", async () => {
    const alice = await cluster.user('owner');
    const eve = await cluster.user('eve');
    const playlistId = await createPlaylist(alice, { public: true });
    const aliceClient = openClient(n1.syncUrl, playlistId, alice.token, { label: 'alice', userId: alice.userId });
    clients.push(aliceClient);
    aliceClient.provider.awareness.setLocalStateField('user', { name: 'Alice' });
    await aliceClient.synced();
    const watcher = await synced(n1, playlistId, alice, 'watcher');
    const aliceId = aliceClient.doc.clientID;
    await eventually(() => expect(watcher.provider.awareness.getStates().get(aliceId)).toEqual({ user: { name: 'Alice' } }));

    const outcome = await rawConnect(n1.syncUrl, playlistId, eve.token);
    if (outcome.kind !== 'open') throw new Error(JSON.stringify(outcome));
    sockets.push(outcome.socket);
    const before = await limited(n1, 'awareness');
    outcome.socket.send(awarenessFrame([{ clientId: aliceId, clock: 1_000, state: { user: { name: 'Alice (admin)' } } }]));
    outcome.socket.send(awarenessFrame([1, 2, 3, 4, 5].map((i) => ({ clientId: 900_000 + i, clock: 1, state: { user: { name: `eve-${i}` } } }))));
    // Eve's own states arrive (two of them: the cap), so her frames were handled.
    await eventually(() => {
      const eves = [...watcher.provider.awareness.getStates().values()].filter((s) => String((s as { user?: { name?: string } }).user?.name).startsWith('eve-'));
      expect(eves).toHaveLength(2);
    });
    await sleep(200);
    expect(watcher.provider.awareness.getStates().get(aliceId)).toEqual({ user: { name: 'Alice' } });
    expect(await limited(n1, 'awareness')).toBe(before + 4);
    expect(outcome.socket.readyState).toBe(outcome.socket.OPEN);

    // When Eve leaves, her states go with her; Alice's stays.
    outcome.socket.close();
    await eventually(() => {
      const names = [...watcher.provider.awareness.getStates().values()].map((s) => String((s as { user?: { name?: string } }).user?.name));
      expect(names.filter((name) => name.startsWith('eve-'))).toEqual([]);
    });
    expect(watcher.provider.awareness.getStates().get(aliceId)).toEqual({ user: { name: 'Alice' } });
  });
});
