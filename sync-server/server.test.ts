/**
 * The sync server's core in-process, with in-memory hooks instead of Postgres and Redis: upgrades
 * reach it from a plain `node:http` server (as in app/main.ts), and the stock y-websocket provider
 * talks to it. Access at the upgrade, viewers, relay and store, the limits, and access taken away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { describe as describePlaylist, readMeta, rename } from '../domain/playlist/document.js';
import { eventually, openSynced, rawConnect, type SyncClient } from '../tests/support/sync-clients.js';
import type { Access, EditBatch, StoreOutcome, SyncHooks } from './hooks.js';
import { CLOSE, type SyncLimits } from './limits.js';
import { SyncServer } from './server.js';

const PLAYLIST = 'p1';
const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob', 'carol-token': 'carol' };

/** In-memory hooks: tokens, an access table, and what was stored, compacted and published. */
function fakeHooks() {
  const access = new Map<string, Access>([
    [`${PLAYLIST}/alice`, { kind: 'granted', canWrite: true }],
    [`${PLAYLIST}/bob`, { kind: 'granted', canWrite: false }],
  ]);
  const stored: EditBatch[] = [];
  const published: Array<{ playlistId: string; update: Uint8Array }> = [];
  const loads: string[] = [];
  /** What each compaction answers, first to last (then true); and how many were asked for. */
  const compactAnswers: boolean[] = [];
  const compactions = { asked: 0, stored: 0 };
  /** Playlists deleted since. */
  const gone = new Set<string>();
  const hooks: SyncHooks = {
    authenticate: async (token) => {
      const userId = token === undefined ? undefined : TOKENS[token];
      return userId === undefined ? undefined : { userId };
    },
    access: async (playlistId, userId) => {
      if (playlistId !== PLAYLIST || gone.has(playlistId)) return { kind: 'not_found' };
      return access.get(`${playlistId}/${userId}`) ?? { kind: 'forbidden' };
    },
    load: async (playlistId) => {
      loads.push(playlistId);
      return { updates: [], editsSinceCompaction: 0 };
    },
    store: async (batches) => {
      stored.push(...batches);
      return batches.map((_, i): StoreOutcome => ({ kind: 'stored', position: `${stored.length}:${i}` }));
    },
    compact: async () => {
      compactions.asked += 1;
      const stored = compactAnswers.shift() ?? true;
      if (stored) compactions.stored += 1;
      return stored;
    },
    tracksExist: async () => new Set(),
    publish: (playlistId, update) => published.push({ playlistId, update }),
  };
  return { hooks, access, gone, stored, published, loads, compactAnswers, compactions };
}

interface World {
  server: SyncServer;
  fake: ReturnType<typeof fakeHooks>;
  syncUrl: string;
  open(user: 'alice' | 'bob' | 'carol'): Promise<SyncClient>;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A sync server on an ephemeral port, behind a plain HTTP server's 'upgrade' event. */
async function start(limits: Partial<SyncLimits> = {}): Promise<World> {
  const fake = fakeHooks();
  const server = new SyncServer(fake.hooks, pino({ level: 'silent' }), { limits });
  const http: Server = createServer((_request, response) => response.writeHead(404).end());
  http.on('upgrade', (request, socket, head) => {
    if (server.handles(request)) void server.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await server.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const syncUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/v1/sync/playlists`;
  return {
    server,
    fake,
    syncUrl,
    async open(user) {
      const client = await openSynced(syncUrl, PLAYLIST, `${user}-token`, { label: user, userId: user });
      // Destroyed before the server closes (cleanups run last first), so it does not reconnect meanwhile.
      cleanups.push(() => client.destroy());
      return client;
    },
  };
}

/** Waits until the server has read every message `client` sent so far: its awareness mark comes back through `witness`. */
async function barrier(client: SyncClient, witness: SyncClient, mark: string): Promise<void> {
  client.provider.awareness.setLocalStateField('mark', mark);
  await eventually(() => expect((witness.provider.awareness.getStates().get(client.doc.clientID) as { mark?: string } | undefined)?.mark).toBe(mark));
}

/** A document made of updates (stored or published). */
function docOf(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc;
}

describe('the sync server core, with in-memory hooks', { timeout: 15_000 }, () => {
  it('refuses at the upgrade: 401 without a valid token, 404 for an unknown playlist or a bad id, 403 without access', async () => {
    const { syncUrl, fake } = await start();
    const cases: Array<{ playlistId: string; token: string | undefined; status: number; code: string }> = [
      { playlistId: PLAYLIST, token: undefined, status: 401, code: 'UNAUTHENTICATED' },
      { playlistId: PLAYLIST, token: 'forged', status: 401, code: 'UNAUTHENTICATED' },
      { playlistId: 'p-unknown', token: 'alice-token', status: 404, code: 'PLAYLIST_NOT_FOUND' },
      { playlistId: '-not-an-id', token: 'alice-token', status: 404, code: 'PLAYLIST_NOT_FOUND' },
      { playlistId: PLAYLIST, token: 'carol-token', status: 403, code: 'FORBIDDEN' },
    ];
    for (const c of cases) {
      const outcome = await rawConnect(syncUrl, c.playlistId, c.token);
      expect(outcome.kind, `${c.playlistId} ${c.token}`).toBe('refused');
      if (outcome.kind !== 'refused') continue;
      expect(outcome.status).toBe(c.status);
      expect(outcome.opened).toBe(false);
      expect((JSON.parse(outcome.body) as { error: { code: string } }).error.code).toBe(c.code);
    }
    // Nothing was loaded for a refused client.
    expect(fake.loads).toEqual([]);
  });

  it("drops a viewer's update: never relayed to the others, never stored, never published", async () => {
    const { open, fake, server } = await start();
    const alice = await open('alice');
    const bob = await open('bob');
    describePlaylist(bob.doc, 'by bob, a viewer');
    // Bob's awareness mark follows his update on the same socket: once Alice has the mark, the
    // server has read the update (and had it been relayed, Alice would have had it first).
    await barrier(bob, alice, 'after-the-update');
    expect(readMeta(alice.doc).description).toBeUndefined();
    expect(readMeta(await server.document(PLAYLIST)).description).toBeUndefined();

    // An editor's edit after it is stored; the viewer's, queued before it, would have been too.
    rename(alice.doc, 'by alice');
    await eventually(() => expect(fake.stored.flatMap((b) => b.edits).length).toBeGreaterThan(0));
    const edits = fake.stored.flatMap((b) => b.edits);
    expect(edits.map((e) => e.actorId)).toEqual(edits.map(() => 'alice'));
    expect(readMeta(docOf(edits.map((e) => e.update))).description).toBeUndefined();
    expect(readMeta(docOf(fake.published.map((p) => p.update))).description).toBeUndefined();
  });

  it("relays an editor's update to the other clients, stores it and publishes it", async () => {
    const { open, fake } = await start();
    const alice = await open('alice');
    const bob = await open('bob');
    rename(alice.doc, 'Road trip');
    await eventually(() => expect(readMeta(bob.doc).name).toBe('Road trip'));
    await eventually(() => expect(fake.stored.length).toBeGreaterThan(0));
    expect(fake.stored.every((b) => b.playlistId === PLAYLIST)).toBe(true);
    const edits = fake.stored.flatMap((b) => b.edits);
    expect(edits.every((e) => e.actorId === 'alice')).toBe(true);
    expect(readMeta(docOf(edits.map((e) => e.update))).name).toBe('Road trip');
    expect(fake.published.every((p) => p.playlistId === PLAYLIST)).toBe(true);
    expect(readMeta(docOf(fake.published.map((p) => p.update))).name).toBe('Road trip');
  });

  it(`closes a client that edits faster than editsPerSecond with ${CLOSE.TOO_MANY_EDITS}; it reconnects and loses nothing`, async () => {
    const { open, server } = await start({ editsPerSecond: 5, editBurst: 3 });
    const alice = await open('alice');
    for (let i = 0; i < 20; i += 1) rename(alice.doc, `name ${i}`);
    await eventually(() => expect(alice.closeCodes).toContain(CLOSE.TOO_MANY_EDITS));
    // The update over the limit and those behind it on that socket were not applied.
    expect(readMeta(await server.document(PLAYLIST)).name).not.toBe('name 19');
    // 4500-4599 is "try again later": the provider comes back and sends what the server lacks.
    await eventually(async () => expect(readMeta(await server.document(PLAYLIST)).name).toBe('name 19'), 10_000);
    // `attempts` counts the connections started after the first one (the provider's first starts before it is watched).
    expect(alice.attempts).toBeGreaterThan(0);
  });

  it('refuses a connection past maxConnectionsPerUser with 429 at the upgrade', async () => {
    const { open, syncUrl } = await start({ maxConnectionsPerUser: 1 });
    await open('alice');
    const outcome = await rawConnect(syncUrl, PLAYLIST, 'alice-token');
    expect(outcome.kind).toBe('refused');
    if (outcome.kind === 'refused') {
      expect(outcome.status).toBe(429);
      expect((JSON.parse(outcome.body) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    }
    // Another user is not held to Alice's count.
    const bob = await rawConnect(syncUrl, PLAYLIST, 'bob-token');
    expect(bob.kind).toBe('open');
    if (bob.kind === 'open') bob.socket.close();
  });

  it(`closes a removed collaborator with ${CLOSE.FORBIDDEN} (final) on recheckAccess, and ${CLOSE.NOT_FOUND} once the playlist is gone`, async () => {
    const { open, fake, server } = await start();
    const alice = await open('alice');
    const bob = await open('bob');
    fake.access.delete(`${PLAYLIST}/bob`);
    await server.recheckAccess(PLAYLIST);
    await eventually(() => expect(bob.closeCodes).toContain(CLOSE.FORBIDDEN));
    // A 44xx close is final for the stock provider: it does not try again.
    expect(bob.provider.shouldConnect).toBe(false);
    // Alice kept her access, and her socket.
    expect(alice.closeCodes).toEqual([]);
    expect(alice.provider.wsconnected).toBe(true);

    fake.gone.add(PLAYLIST);
    await server.recheckAccess(PLAYLIST);
    await eventually(() => expect(alice.closeCodes).toContain(CLOSE.NOT_FOUND));
    expect(alice.provider.shouldConnect).toBe(false);
  });

  it('answers an HTTP edit caught in a store call that never ends when it closes, so that the HTTP server can finish', async () => {
    const world = await start({ closeTimeoutMs: 200 });
    let hung = 0;
    world.fake.hooks.store = () => {
      hung += 1;
      return new Promise<StoreOutcome[]>(() => undefined);
    };
    const edit = world.server.edit(PLAYLIST, 'alice', (doc) => rename(doc, 'never stored'));
    const outcome = edit.then(
      () => 'stored',
      (error: unknown) => (error as Error).name,
    );
    await eventually(() => expect(hung).toBe(1));
    const started = Date.now();
    await world.server.close();
    expect(await outcome).toBe('StoreBackloggedError');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('tries a compaction that was not stored again, even when no edit comes after it', async () => {
    const { open, fake } = await start({ compactEvery: 3 });
    fake.compactAnswers.push(false, false);
    const alice = await open('alice');
    for (let i = 0; i < 3; i += 1) {
      rename(alice.doc, `name ${i}`);
      await eventually(() => expect(fake.stored.flatMap((b) => b.edits).length).toBe(i + 1));
    }
    // Two refusals (the stream moved on), then stored: by a timer, since no edit came after the third.
    await eventually(() => expect(fake.compactions).toEqual({ asked: 3, stored: 1 }), 10_000);
  });
});
