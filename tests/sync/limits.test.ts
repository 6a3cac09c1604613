/**
 * Bad and greedy clients: a message over the size limit (1009), malformed frames (1003/1007),
 * a client that stops reading (dropped when its send buffer fills, then resyncs), and one that
 * never answers pings. Through all of it the server keeps serving the others and the stored
 * document stays whole.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { loadDocument } from '../../application/playlist-documents/load.js';
import { listEntries } from '../../domain/playlist/document.js';
import { MESSAGE_AWARENESS, MESSAGE_SYNC, SYNC_STEP_1, SYNC_STEP_2, SYNC_UPDATE } from '../../sync-server/protocol.js';
import { createPlaylist, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { closeCode, eventually, openSynced, order, rawConnect, type SyncClient } from '../support/sync-clients.js';

let cluster: SyncCluster;
let node: SyncNode;
let alice: SyncUser;
let clients: SyncClient[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster('limits');
  node = cluster.nodes[0]!;
  alice = await cluster.user('alice');
});

afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
  for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
  await cluster?.close();
});

async function open(playlistId: string, label: string): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, alice.token, { label, userId: alice.userId });
  clients.push(client);
  return client;
}

async function rawSocket(playlistId: string): Promise<WebSocket> {
  const outcome = await rawConnect(node.syncUrl, playlistId, alice.token);
  if (outcome.kind !== 'open') throw new Error(`expected an open socket, got ${JSON.stringify(outcome)}`);
  sockets.push(outcome.socket);
  return outcome.socket;
}

/** The document rebuilt from the stored events alone (what a node loads). */
async function storedDocument(playlistId: string): Promise<Y.Doc> {
  const stored = await loadDocument(cluster.store, playlistId);
  const doc = new Y.Doc();
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return doc;
}

const varuint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const frame = (...parts: Array<number | number[] | Uint8Array>) => Buffer.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
const withLength = (bytes: Uint8Array | number[]) => [...varuint(bytes.length), ...bytes];

describe('size', () => {
  it('closes a connection whose message is over the maximum (1009); the others go on', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Big' });
    const healthy = await open(playlistId, 'healthy');
    const socket = await rawSocket(playlistId);
    const closed = closeCode(socket);
    const payload = randomBytes(300 * 1024);
    socket.send(frame(MESSAGE_SYNC, SYNC_UPDATE, withLength(payload)));
    expect(await closed).toBe(1009);

    const [x] = healthy.insert(['t-after-big']);
    const fresh = await open(playlistId, 'fresh');
    await eventually(() => expect(fresh.entries().map((e) => e.entryId)).toEqual([x]));
  });
});

describe('malformed frames', () => {
  // A real update from another document, to build frames around.
  const source = new Y.Doc();
  source.getMap('entries').set('e', new Y.Map());
  const update = Y.encodeStateAsUpdate(source);
  const awareness = (json: string) => {
    const bytes = new TextEncoder().encode(json);
    return withLength([1, ...varuint(12345), 1, ...withLength(bytes)]);
  };
  const cases: Array<{ what: string; data: Buffer | string; codes: number[] }> = [
    { what: 'random bytes', data: Buffer.from('deadbeefcafebabe0badf00d42', 'hex'), codes: [1003, 1007] },
    { what: 'an unknown message type', data: frame(7, 0, 0), codes: [1003] },
    { what: 'an auth message (the server never takes one)', data: frame(2, 0), codes: [1003] },
    { what: 'an unknown sync message', data: frame(MESSAGE_SYNC, 9, withLength([0])), codes: [1003] },
    { what: 'an empty frame', data: Buffer.alloc(0), codes: [1007] },
    { what: 'a truncated varint (message type)', data: frame(0x80), codes: [1007] },
    { what: 'a truncated varint (payload length)', data: frame(MESSAGE_SYNC, SYNC_UPDATE, 0xff, 0xff), codes: [1007] },
    { what: 'a payload shorter than its length', data: frame(MESSAGE_SYNC, SYNC_UPDATE, 40, 1, 2, 3), codes: [1007] },
    { what: 'sync step 2 whose update does not decode', data: frame(MESSAGE_SYNC, SYNC_STEP_2, withLength([5, 0xff, 0xff])), codes: [1007] },
    { what: 'an update that does not decode', data: frame(MESSAGE_SYNC, SYNC_UPDATE, withLength([1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0xff])), codes: [1007] },
    { what: 'a truncated update', data: frame(MESSAGE_SYNC, SYNC_UPDATE, withLength(update.subarray(0, update.length - 3))), codes: [1007] },
    { what: 'a state vector that does not decode', data: frame(MESSAGE_SYNC, SYNC_STEP_1, withLength([3, 0xff])), codes: [1007] },
    { what: 'trailing bytes after a good update', data: frame(MESSAGE_SYNC, SYNC_UPDATE, withLength(update), 0, 0), codes: [1007] },
    { what: 'an awareness update with bad JSON', data: frame(MESSAGE_AWARENESS, awareness('{not json')), codes: [1007] },
    { what: 'a text frame', data: 'hello', codes: [1003] },
  ];

  it('each closes its connection (1003/1007); the server keeps serving, and the stored document is not damaged', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Garbage in' });
    const healthy = await open(playlistId, 'healthy');
    healthy.insert(['t-1', 't-2', 't-3']);
    await eventually(async () => expect(listEntries(await storedDocument(playlistId))).toHaveLength(3));
    const badBefore = (await node.metric('chorus_sync_bad_frames_total')) ?? 0;

    for (const c of cases) {
      const socket = await rawSocket(playlistId);
      const closed = closeCode(socket);
      socket.send(c.data);
      const code = await closed;
      expect(c.codes, `${c.what}: closed with ${code}`).toContain(code);
      // The healthy client goes on editing, and its edits still go through.
      const [entry] = healthy.insert([`t-after-${c.what}`]);
      await eventually(async () => expect(listEntries(await storedDocument(playlistId)).map((e) => e.entryId)).toContain(entry));
    }
    expect(await node.metric('chorus_sync_bad_frames_total')).toBeGreaterThan(badBefore);

    const fresh = await open(playlistId, 'fresh');
    expect(fresh.entries()).toHaveLength(3 + cases.length);
    expect(fresh.entries()).toEqual(healthy.entries());
    const rebuilt = await storedDocument(playlistId);
    expect(listEntries(rebuilt)).toEqual(healthy.entries());
    // Nothing but entries and meta was ever written.
    expect([...rebuilt.share.keys()].sort()).toEqual(['entries', 'meta']);
  });

  it('a frame with a good message closes nothing (the cases above are refused for being malformed)', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Good frames' });
    const healthy = await open(playlistId, 'healthy');
    const socket = await rawSocket(playlistId);
    const received: Buffer[] = [];
    socket.on('message', (data: Buffer) => received.push(data));
    socket.send(frame(3)); // query awareness
    socket.send(frame(MESSAGE_SYNC, SYNC_STEP_1, withLength(Y.encodeStateVector(new Y.Doc()))));
    await eventually(() => expect(received.some((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_STEP_2)).toBe(true));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    healthy.insert(['t-ok']);
    await eventually(() => expect(received.some((m) => m[0] === MESSAGE_SYNC && m[1] === SYNC_UPDATE)).toBe(true));
  });
});

describe('a client that stops reading', () => {
  it('is disconnected once its send buffer fills, and the stock provider resyncs when it reads again', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Firehose' });
    const writer = await open(playlistId, 'writer');
    const reader = await open(playlistId, 'reader');
    const slow = await open(playlistId, 'slow');
    const slowBefore = (await node.metric('chorus_sync_slow_clients_closed_total')) ?? 0;
    const socket = slow.provider.ws as unknown as WebSocket;
    socket.pause();

    // A document of 1,000 entries, then the slow client asks for all of it again and again (its
    // socket still writes): each answer is the whole document, and nothing reads them.
    for (let i = 0; i < 10; i += 1) writer.insert(Array.from({ length: 100 }, (_, j) => `t-${i}-${j}`));
    await eventually(() => expect(reader.entries()).toHaveLength(1_000), 20_000, 50);
    const askForEverything = frame(MESSAGE_SYNC, SYNC_STEP_1, withLength(Y.encodeStateVector(new Y.Doc())));
    let sent = 0;
    let dropped = false;
    while (!dropped && sent < 2_000) {
      for (let i = 0; i < 20; i += 1, sent += 1) socket.send(askForEverything);
      await eventually(async () => expect((await fetch(`${node.url}/healthz`)).status).toBe(200));
      dropped = ((await node.metric('chorus_sync_slow_clients_closed_total')) ?? 0) > slowBefore;
    }
    console.log(`[limits] slow client dropped after asking ${sent} times for a document of 1,000 entries`);
    expect(dropped, `not dropped after ${sent} requests`).toBe(true);
    expect(reader.provider.wsconnected).toBe(true);
    const [marker] = writer.insert(['t-while-slow-was-away']);

    socket.resume();
    await eventually(() => expect(slow.closeCodes.length).toBeGreaterThan(0), 10_000);
    expect([1013, 1006]).toContain(slow.closeCodes[0]);
    await slow.synced(15_000);
    await eventually(() => {
      expect(slow.entries().map((e) => e.entryId)).toContain(marker);
    }, 10_000);
    expect(order(slow.entries())).toEqual(order(writer.entries()));
  });
});

describe('ping/pong liveness', () => {
  it(
    'a client that never answers pings is cut, one that does stays',
    async () => {
      // A node of its own, pinging every 300 ms (CHORUS_SYNC_PING_INTERVAL_MS).
      const pinging = await cluster.addNode('ping', { CHORUS_SYNC_PING_INTERVAL_MS: '300' });
      const playlistId = await createPlaylist(alice, { name: 'Silent' });
      const url = `${pinging.syncUrl}/${playlistId}?token=${encodeURIComponent(alice.token)}`;
      const silent = new WebSocket(url, { autoPong: false });
      const answering = new WebSocket(url);
      sockets.push(silent, answering);
      await Promise.all([silent, answering].map((s) => new Promise((resolve, reject) => s.once('open', resolve).once('error', reject))));
      let pings = 0;
      silent.on('ping', () => (pings += 1));
      const started = Date.now();
      const code = await closeCode(silent, 10_000);
      console.log(`[limits] silent client cut after ${Date.now() - started} ms (${pings} pings, code ${code})`);
      expect(pings).toBeGreaterThan(0);
      expect(code).toBe(1006); // terminated, no close handshake
      expect(answering.readyState).toBe(WebSocket.OPEN);
    },
    60_000,
  );
});
