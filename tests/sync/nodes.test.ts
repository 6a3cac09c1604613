/**
 * Two (and three) Chorus processes on one database and one Redis: providers on different nodes
 * edit one playlist and converge; the cross-node latency is measured; and with Redis pub/sub out
 * of the way (a node whose key prefix differs, so no fan-out reaches it or leaves it; the
 * subscriber connection of a node killed on the Redis server) updates still arrive, through the
 * stored events, within a couple of seconds.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { moveRange, removeEntries, rename } from '../../domain/playlist/document.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { demoTrack, eventually, openSynced, order, sleep, type SyncClient } from '../support/sync-clients.js';

let cluster: SyncCluster;
let n1: SyncNode;
let n2: SyncNode;
let alice: SyncUser;
let bob: SyncUser;
let clients: SyncClient[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster('nodes', 2);
  [n1, n2] = cluster.nodes as [SyncNode, SyncNode];
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

async function open(node: SyncNode, user: SyncUser, playlistId: string, label: string): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, user.token, { label, userId: user.userId });
  clients.push(client);
  return client;
}

async function sharedPlaylist(name: string): Promise<string> {
  const playlistId = await createPlaylist(alice, { name });
  await setCollaborator(alice, playlistId, bob.userId, 'editor');
  return playlistId;
}

/** Resolves with the time (ms) from `started` until `doc` holds the entry `entryId`. */
function arrival(doc: Y.Doc, entryId: string, timeoutMs: number, started = performance.now()): Promise<number> {
  const entries = doc.getMap('entries');
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!entries.has(entryId)) return;
      clearTimeout(timer);
      doc.off('update', check);
      resolve(performance.now() - started);
    };
    const timer = setTimeout(() => {
      doc.off('update', check);
      reject(new Error(`entry ${entryId} did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    doc.on('update', check);
  });
}

/** Sends `count` inserts one after the other, alternating sides; returns each edit-to-other-side latency. */
async function measure(a: SyncClient, b: SyncClient, count: number, timeoutMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    const started = performance.now();
    const [entryId] = from.insert([`t-probe-${i}`]);
    const arrived = arrival(to.doc, entryId!, timeoutMs, started);
    latencies.push(await arrived);
  }
  return latencies;
}

function summary(latencies: readonly number[]): string {
  const sorted = [...latencies].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return `n=${sorted.length} p50=${at(0.5).toFixed(1)} ms p90=${at(0.9).toFixed(1)} ms p99=${at(0.99).toFixed(1)} ms max=${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

/** The Redis pub/sub connections of a process (matched by their local ports), killed on the server. */
async function killPubSubConnections(pid: number): Promise<number> {
  const { stdout } = await promisify(execFile)('ss', ['-tnpH', 'dst', '127.0.0.1:6379']);
  const ports = new Set(
    stdout
      .split('\n')
      .filter((line) => line.includes(`pid=${pid},`))
      .map((line) => line.trim().split(/\s+/)[3]!)
      .map((local) => local.slice(local.lastIndexOf(':') + 1)),
  );
  const admin = new Redis(TEST_REDIS_URL);
  try {
    const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    let killed = 0;
    for (const line of list.split('\n')) {
      const addr = /(?:^| )addr=(\S+)/.exec(line)?.[1];
      if (addr && ports.has(addr.slice(addr.lastIndexOf(':') + 1))) {
        await admin.call('CLIENT', 'KILL', 'ADDR', addr);
        killed += 1;
      }
    }
    return killed;
  } finally {
    admin.disconnect();
  }
}

describe('two nodes, one database, one Redis', () => {
  it('providers on different nodes edit the same playlist and converge', async () => {
    const playlistId = await sharedPlaylist('Across nodes');
    const a = await open(n1, alice, playlistId, 'a@n1');
    const b = await open(n2, bob, playlistId, 'b@n2');
    const [x, y] = a.insert(['t-x', 't-y']);
    await eventually(() => expect(b.entries().map((e) => e.entryId)).toEqual([x, y]));
    const [w] = b.insert(['t-w'], 0);
    await eventually(() => {
      expect(a.entries().map((e) => e.entryId)).toEqual([w, x, y]);
      expect(b.entries()).toEqual(a.entries());
    });
    moveRange(a.doc, 0, 3); // w to the end
    removeEntries(b.doc, [x!]);
    rename(b.doc, 'Across nodes, renamed');
    a.insert(['t-a'], 0);
    b.insert(['t-b'], 1);
    await eventually(() => {
      expect(b.entries()).toEqual(a.entries());
      expect(a.name()).toBe('Across nodes, renamed');
    });
    expect(a.entries().map((e) => e.trackId).sort()).toEqual(['t-a', 't-b', 't-w', 't-y'].map(demoTrack).sort());

    // HTTP on one node, providers on both.
    const added = await bob.api.post<{ entryIds: string[] }>(`/v1/playlists/${playlistId}/items`, { trackIds: ['demo-track-0-1'], position: 0 });
    expect(added.status, added.text).toBe(201);
    // (bob.api talks to n1: the item route of n1 edits n1's document)
    await eventually(() => {
      expect(b.entries()[0]?.entryId).toBe(added.body.entryIds[0]);
      expect(a.entries()).toEqual(b.entries());
    });
    const moved = await n2.api.as(bob.token).put(`/v1/playlists/${playlistId}/items/order`, { rangeStart: 0, insertBefore: 5 });
    expect(moved.status, moved.text).toBe(200);
    await eventually(() => {
      expect(a.entries()[4]?.entryId).toBe(added.body.entryIds[0]);
      expect(a.entries()).toEqual(b.entries());
    });

    // A provider that joins later on either node gets everything.
    const late1 = await open(n1, alice, playlistId, 'late@n1');
    const late2 = await open(n2, alice, playlistId, 'late@n2');
    expect(order(late1.entries())).toEqual(order(a.entries()));
    expect(order(late2.entries())).toEqual(order(a.entries()));
  });

  it('measures the cross-node latency (edit on one node -> provider on the other)', async () => {
    const playlistId = await sharedPlaylist('Latency');
    const a = await open(n1, alice, playlistId, 'a@n1');
    const b = await open(n2, bob, playlistId, 'b@n2');
    await measure(a, b, 6, 5_000); // warm up
    const latencies = await measure(a, b, 60, 5_000);
    console.log(`[nodes] cross-node latency via Redis: ${summary(latencies)}`);
    // Loose: the machine is shared; the benchmark owns the 50 ms target.
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    // The same node, for comparison.
    const a2 = await open(n1, bob, playlistId, 'b@n1');
    const sameNode = await measure(a, a2, 30, 5_000);
    console.log(`[nodes] same-node latency: ${summary(sameNode)}`);

    // The receiving node's fan-out histogram counted the updates, by path: on the Redis path one
    // per update relayed by n1 (63 probes were made there; the bound leaves room for pub/sub's
    // at-most-once), on the store path one per stored batch (a node may store several edits in
    // one event, and the store lags the relay).
    const count = async (path: string) => {
      const metrics = await (await fetch(`${n2.url}/metrics`)).text();
      return Number(new RegExp(`^chorus_sync_fanout_seconds_count\\{path="${path}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    };
    await eventually(async () => {
      expect(await count('fanout')).toBeGreaterThanOrEqual(48);
      expect(await count('store')).toBeGreaterThan(0);
    });
  });
});

describe('access changes reach every node', () => {
  it('removing a collaborator through one node closes their socket on the other within a second (4403); deleting closes all (4404)', async () => {
    const playlistId = await sharedPlaylist('Revoked everywhere');
    const a = await open(n1, alice, playlistId, 'a@n1');
    const b = await open(n2, bob, playlistId, 'b@n2');
    const a2 = await open(n2, alice, playlistId, 'a@n2');
    let started = Date.now();
    const removed = await alice.api.delete(`/v1/playlists/${playlistId}/collaborators/${bob.userId}`);
    expect(removed.status, removed.text).toBe(204);
    await eventually(() => expect(b.closeCodes).toEqual([4403]), 3_000, 5);
    const revoked = Date.now() - started;
    expect(b.provider.shouldConnect).toBe(false);

    started = Date.now();
    const deleted = await alice.api.delete(`/v1/playlists/${playlistId}`);
    expect(deleted.status, deleted.text).toBe(204);
    await eventually(() => {
      expect(a.closeCodes).toEqual([4404]);
      expect(a2.closeCodes).toEqual([4404]);
    }, 3_000, 5);
    const gone = Date.now() - started;
    console.log(`[nodes] on the other node: collaborator removed -> closed in ${revoked} ms; playlist deleted -> closed in ${gone} ms`);
    expect(revoked).toBeLessThan(1_000);
    expect(gone).toBeLessThan(1_000);
  });
});

describe('documents loaded while another node writes', () => {
  it('a node that opens a document while another node is writing to it misses nothing', async () => {
    // Each playlist gets a writer on n1 inserting every 20-28 ms; meanwhile a reader opens it on n2,
    // so n2 loads the document from the store while new edits are being stored and fanned out.
    const count = 16;
    const playlists = await Promise.all(Array.from({ length: count }, (_, i) => sharedPlaylist(`Loading ${i}`)));
    const writers = await Promise.all(playlists.map((id, i) => open(n1, alice, id, `w${i}@n1`)));
    let writing = true;
    const loops = writers.map(async (w, i) => {
      let k = 0;
      while (writing) {
        w.insert([`t-${i}-${(k += 1)}`]);
        // ~40 edits/s per writer, 640/s in all: a pace a node keeps up with on a busy machine. At 3-7 ms apart
        // (3,200/s) the writers' own node fell seconds behind reading its sockets when the machine was loaded
        // (a fresh client on n1 itself lacked a third of the entries after 5 s), which this test took for a loss.
        await sleep(20 + (i % 5) * 2);
      }
    });
    const readers: SyncClient[] = [];
    for (const [i, id] of playlists.entries()) {
      readers.push(await open(n2, bob, id, `r${i}@n2`));
      await sleep(20);
    }
    await sleep(300);
    writing = false;
    await Promise.all(loops);
    const behind: string[] = [];
    await eventually(() => {
      behind.length = 0;
      readers.forEach((r, i) => {
        if (order(r.entries()).join() !== order(writers[i]!.entries()).join()) behind.push(`${r.label}: ${r.entries().length}/${writers[i]!.entries().length}`);
      });
      expect(behind, 'readers on n2 that miss entries the writer on n1 stored').toEqual([]);
    }, 15_000, 100); // a loss never converges; on a loaded machine catching up took up to 8 s
    // A fresh reader on n2 (the loaded document of n2 serves it) sees the same.
    for (const [i, id] of playlists.entries()) {
      const fresh = await open(n2, alice, id, `fresh${i}@n2`);
      expect(order(fresh.entries()), fresh.label).toEqual(order(writers[i]!.entries()));
    }
  });
});

describe('concurrent renames on two nodes', () => {
  it('GET /v1/playlists/:id shows the name the document converged on', async () => {
    const mismatches: string[] = [];
    for (let trial = 0; trial < 8; trial += 1) {
      const playlistId = await sharedPlaylist(`Renames ${trial}`);
      // Of two concurrent writes to one key, Yjs keeps the one of the higher client id: b's.
      const a = await openSynced(n1.syncUrl, playlistId, alice.token, { label: 'a@n1', clientId: 1_000 + trial });
      const b = await openSynced(n2.syncUrl, playlistId, bob.token, { label: 'b@n2', clientId: 2 ** 30 + trial });
      clients.push(a, b);
      // In the same tick: each node stores its own rename before it hears of the other, and b's
      // (the winner) usually first.
      rename(b.doc, `From n2 #${trial}`);
      rename(a.doc, `From n1 #${trial}`);
      await eventually(() => expect(a.name()).toBe(b.name()));
      const converged = a.name();
      try {
        await eventually(async () => {
          const got = await alice.api.get<{ name: string }>(`/v1/playlists/${playlistId}`);
          expect(got.body.name).toBe(converged);
        }, 1_500, 100);
      } catch {
        const got = await alice.api.get<{ name: string }>(`/v1/playlists/${playlistId}`);
        const renames = (await cluster.playlistEvents(playlistId))
          .filter((e) => e.type === 'PlaylistEdited')
          .flatMap((e) => (e.data.changes as Array<{ op: string; name?: string }>).filter((c) => c.op === 'rename').map((c) => c.name));
        mismatches.push(`trial ${trial}: document "${converged}", GET "${got.body.name}", stored renames in order ${JSON.stringify(renames)}`);
      }
    }
    expect(mismatches, 'playlists whose read-model name is not the document name').toEqual([]);
  });
});

describe('with Redis pub/sub out of the way', () => {
  it("a node whose fan-out nobody sees (another key prefix) still gets and gives every update through the stored events", async () => {
    const deaf = await cluster.addNode('deaf', { CHORUS_REDIS_KEY_PREFIX: `${cluster.redis.prefix}other:` });
    try {
      const playlistId = await sharedPlaylist('Deaf node');
      const a = await open(n1, alice, playlistId, 'a@n1');
      const d = await open(deaf, bob, playlistId, 'b@deaf');
      await measure(a, d, 4, 5_000);
      const latencies = await measure(a, d, 30, 2_000);
      console.log(`[nodes] cross-node latency through the stored events only: ${summary(latencies)}`);
      expect(Math.max(...latencies)).toBeLessThan(2_000);

      a.insert(['t-a1', 't-a2'], 0);
      d.insert(['t-d1'], 1);
      rename(d.doc, 'Heard anyway');
      await eventually(() => {
        expect(d.entries()).toEqual(a.entries());
        expect(a.name()).toBe('Heard anyway');
      }, 2_000);
      // Every update reached the other side through the store, where it filled a gap (17 probes each way, at least).
      expect(await deaf.metric('chorus_sync_store_fills_total')).toBeGreaterThanOrEqual(17);
      expect(await n1.metric('chorus_sync_store_fills_total')).toBeGreaterThanOrEqual(17);
    } finally {
      await deaf.stop();
      cluster.nodes.splice(cluster.nodes.indexOf(deaf), 1);
    }
  });

  it("killing a node's Redis subscriber connection loses nothing", async () => {
    const playlistId = await sharedPlaylist('Subscriber killed');
    const a = await open(n1, alice, playlistId, 'a@n1');
    const b = await open(n2, bob, playlistId, 'b@n2');
    await measure(a, b, 2, 5_000);
    // (`ss` may list a socket a moment late: looked for again until found)
    await eventually(async () => expect(await killPubSubConnections(n2.pid!)).toBeGreaterThan(0), 5_000, 200);
    const entryIds: string[] = [];
    for (let i = 0; i < 10; i += 1) entryIds.push(...a.insert([`t-${i}`]));
    await eventually(() => expect(b.entries().map((e) => e.entryId)).toEqual(expect.arrayContaining(entryIds)), 2_000);
    await eventually(() => expect(b.entries()).toEqual(a.entries()), 2_000);
    // Once the subscriber is back, fan-out works again.
    const latencies = await measure(a, b, 10, 2_000);
    console.log(`[nodes] after the subscriber was killed: ${summary(latencies)}`);
  });
});
