/**
 * Convergence against real servers: 2 to 6 stock providers on one playlist, spread over two
 * Chorus processes on one database and Redis, make random inserts, removes, moves and renames,
 * with random delays between operations, random disconnects (edits made offline go up when the
 * provider reconnects) and a random node restart (SIGTERM or SIGKILL, then started again on the
 * same port while the providers keep trying).
 *
 * Afterwards every client, a fresh client on each node, the document rebuilt from the stored
 * events and `GET /v1/playlists/:id` agree on the ordered entries (and the name); no entry is
 * there twice; and every insert is there unless it was removed — every client stays alive to the
 * end, so each of its edits must reach the store, even those a killed node had not stored yet.
 *
 * FC_NUM_RUNS sets the number of runs (default 6), FC_SEED replays one. A failure stops at once
 * (shrinking would restart servers for many minutes); FC_SHRINK=1 shrinks anyway.
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDocument } from '../../application/playlist-documents/load.js';
import * as Y from 'yjs';
import { insertTracks, listEntries, moveRange, readMeta, removeEntries, rename } from '../../domain/playlist/document.js';
import { seededRandom } from '../../domain/shared/seeded-random.js';
import { propertyParameters } from '../support/property.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { DEMO_TRACKS, eventually, openSynced, order, sleep, type SyncClient } from '../support/sync-clients.js';

type Op =
  | { kind: 'insert'; client: number; at: number; count: number }
  | { kind: 'remove'; client: number; at: number; count: number }
  | { kind: 'move'; client: number; from: number; to: number; length: number }
  | { kind: 'rename'; client: number }
  | { kind: 'sleep'; ms: number }
  | { kind: 'disconnect'; client: number }
  | { kind: 'connect'; client: number }
  | { kind: 'restart'; node: number; signal: 'SIGTERM' | 'SIGKILL' };

interface Scenario {
  /** The node (0 or 1) of each client. */
  clients: number[];
  ops: Op[];
  /** Seeds the position keys' jitter, so a seed replays the same keys. */
  seed: number;
}

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const client = fc.nat({ max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('insert' as const), client, at: fraction, count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), client, at: fraction, count: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('move' as const), client, from: fraction, to: fraction, length: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), client }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('connect' as const), client }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node: fc.nat({ max: 1 }), signal: fc.constantFrom('SIGTERM' as const, 'SIGKILL' as const) }) },
);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  clients: fc.array(fc.nat({ max: 1 }), { minLength: 2, maxLength: 6 }),
  ops: fc.array(opArb, { minLength: 5, maxLength: 30 }),
  seed: fc.integer(),
});

/** At most this many node restarts per run (each costs a process start). */
const MAX_RESTARTS = 1;

let cluster: SyncCluster;
let users: SyncUser[];
let run = 0;
const itemsModel = existsSync('projections/sql/playlist-items.ts');
const notes: string[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster('convergence', 2);
  users = [await cluster.user('alice'), await cluster.user('bob'), await cluster.user('carol')];
});

afterAll(async () => {
  await cluster?.close();
});

async function check(scenario: Scenario): Promise<void> {
  run += 1;
  const nodes = cluster.nodes.slice(0, 2) as [SyncNode, SyncNode];
  const [owner] = users as [SyncUser, SyncUser, SyncUser];
  const playlistId = await createPlaylist(owner, { name: `Run ${run}` });
  for (const user of users.slice(1)) await setCollaborator(owner, playlistId, user.userId, 'editor');

  const random = seededRandom(scenario.seed);
  const clients: SyncClient[] = [];
  const fresh: SyncClient[] = [];
  const restarts: Array<Promise<void>> = [];
  const restarting = new Set<number>();
  const inserted = new Set<string>();
  const removed = new Set<string>();
  const names = new Set<string>([`Run ${run}`]);
  let ids = 0;
  let restartCount = 0;
  const log: string[] = [];
  const started = Date.now();
  try {
    for (const [i, node] of scenario.clients.entries()) {
      const user = users[i % users.length]!;
      clients.push(await openSynced(nodes[node]!.syncUrl, playlistId, user.token, { label: `c${i}@n${node + 1}`, userId: user.userId }));
    }

    for (const op of scenario.ops) {
      const c = 'client' in op ? clients[op.client % clients.length]! : undefined;
      switch (op.kind) {
        case 'insert': {
          const size = c!.entries().length;
          const at = Math.floor(op.at * (size + 1));
          const trackIds = Array.from({ length: op.count }, () => DEMO_TRACKS[(ids += 1) % DEMO_TRACKS.length]!);
          const newIds = insertTracks(c!.doc, trackIds, at, {
            addedBy: c!.userId,
            addedAt: new Date().toISOString(),
            newId: () => `e-${run}-${c!.label}-${(ids += 1)}`,
            random,
          });
          newIds.forEach((id) => inserted.add(id));
          log.push(`${c!.label} insert ${op.count} at ${at}/${size}`);
          break;
        }
        case 'remove': {
          const entries = c!.entries();
          if (entries.length === 0) break;
          const at = Math.floor(op.at * entries.length);
          const gone = removeEntries(c!.doc, entries.slice(at, at + op.count).map((e) => e.entryId));
          gone.forEach((id) => removed.add(id));
          log.push(`${c!.label} remove ${gone.length} at ${at}`);
          break;
        }
        case 'move': {
          const size = c!.entries().length;
          if (size === 0) break;
          const from = Math.floor(op.from * size);
          const length = Math.min(op.length, size - from);
          const to = Math.floor(op.to * (size + 1));
          const moved = moveRange(c!.doc, from, to, length, { random });
          log.push(`${c!.label} move ${length} from ${from} to ${to}/${size}${moved ? '' : ' (no-op)'}`);
          break;
        }
        case 'rename': {
          const name = `Run ${run} by ${c!.label} #${(ids += 1)}`;
          names.add(name);
          rename(c!.doc, name);
          log.push(`${c!.label} rename`);
          break;
        }
        case 'sleep':
          await sleep(op.ms);
          break;
        case 'disconnect':
          c!.provider.disconnect();
          log.push(`${c!.label} disconnect`);
          break;
        case 'connect':
          c!.provider.connect();
          log.push(`${c!.label} connect`);
          break;
        case 'restart': {
          if (restartCount >= MAX_RESTARTS || restarting.has(op.node)) break;
          restartCount += 1;
          restarting.add(op.node);
          const node = nodes[op.node]!;
          log.push(`n${op.node + 1} ${op.signal}`);
          // Stopped now, started again in the background while the operations go on.
          restarts.push(
            node
              .stop(op.signal)
              .then(() => node.start())
              .finally(() => restarting.delete(op.node)),
          );
          break;
        }
      }
    }
    await Promise.all(restarts);
    for (const c of clients) c.provider.connect();

    // Every client converges on one order and one name.
    const reference = clients[0]!;
    await eventually(
      () => {
        for (const c of clients) {
          expect(c.provider.synced, `${c.label} synced`).toBe(true);
          expect(order(c.entries()), `${c.label} vs ${reference.label}`).toEqual(order(reference.entries()));
          expect(c.name(), `${c.label} name`).toBe(reference.name());
        }
      },
      30_000,
      50,
    );
    const converged = Date.now() - started;
    const final = reference.entries();
    const finalIds = final.map((e) => e.entryId);

    // Nothing twice; every insert there unless removed; nothing else.
    expect(new Set(finalIds).size).toBe(finalIds.length);
    expect(new Set(final.map((e) => e.trackId)).size).toBe(final.length);
    expect(new Set(finalIds)).toEqual(new Set([...inserted].filter((id) => !removed.has(id))));
    expect(names).toContain(reference.name());
    for (const c of clients) expect(c.entries()).toEqual(final);

    // A fresh client on each node.
    for (const node of nodes) {
      const client = await openSynced(node.syncUrl, playlistId, owner.token, { label: `fresh@${node.name}` });
      fresh.push(client);
      await eventually(() => expect(order(client.entries())).toEqual(order(final)), 5_000);
      expect(client.name()).toBe(reference.name());
    }

    // The document rebuilt from the stored events alone.
    await eventually(async () => {
      const stored = await loadDocument(cluster.store, playlistId);
      const doc = new Y.Doc();
      for (const update of stored.updates) Y.applyUpdate(doc, update);
      expect(order(listEntries(doc)), 'the stored document').toEqual(order(final));
      expect(readMeta(doc).name).toBe(reference.name());
      doc.destroy();
    }, 5_000);

    // GET /v1/playlists/:id (the read models).
    await eventually(
      async () => {
        const got = await owner.api.get<{ name: string; items: Array<{ entryId: string; trackId: string }> }>(`/v1/playlists/${playlistId}`);
        expect(got.status, got.text).toBe(200);
        expect(got.body.name, 'GET /v1/playlists/:id name').toBe(reference.name());
        if (got.body.items.length > 0 || itemsModel || final.length === 0) {
          expect(got.body.items.map((i) => `${i.entryId}:${i.trackId}`), 'GET /v1/playlists/:id items').toEqual(order(final));
        } else {
          notes.push('GET /v1/playlists/:id: `items` is always empty — there is no playlist items read model (projections/sql/playlist-items.ts); items not compared');
        }
      },
      10_000,
      100,
    );
    console.log(
      `[convergence] run ${run}: ${clients.length} clients (${scenario.clients.filter((n) => n === 0).length} on n1), ${scenario.ops.length} ops, ` +
        `${restartCount} restart(s), ${final.length} entries; converged ${converged} ms after the start`,
    );
  } catch (error) {
    console.log(`[convergence] run ${run} failed; operations:\n  ${log.join('\n  ')}`);
    throw error;
  } finally {
    await Promise.allSettled(restarts);
    for (const c of [...clients, ...fresh]) c.destroy();
    // A node left stopped by a failed run is started again for the next one.
    for (const node of nodes) if (!node.running) await node.start();
  }
}

describe('convergence of stock providers over two nodes', () => {
  it('every client, a fresh client, the store and the read model agree; no entry is duplicated or lost', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, check), { ...propertyParameters<[Scenario]>(6), endOnFailure: process.env.FC_SHRINK !== '1' });
    for (const note of new Set(notes)) console.log(`[convergence] ${note}`);
  });
});
