/**
 * Who may open a playlist's document, and what happens when that changes: refusals at the HTTP
 * upgrade (no socket ever opens), viewers that read but whose edits are neither stored nor
 * relayed, and sockets closed with a final code (4403, 4404) when access is taken away.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { signDevToken } from '../support/api-client.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { eventually, openClient, openSynced, order, rawConnect, sleep, type SyncClient } from '../support/sync-clients.js';

let cluster: SyncCluster;
let node: SyncNode;
let alice: SyncUser;
let bob: SyncUser;
let stranger: SyncUser;
let clients: SyncClient[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster('access');
  node = cluster.nodes[0]!;
  alice = await cluster.user('alice');
  bob = await cluster.user('bob');
  stranger = await cluster.user('stranger');
});

afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
});

afterAll(async () => {
  await cluster?.close();
});

async function open(user: SyncUser, playlistId: string, label = user.userId): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, user.token, { label, userId: user.userId });
  clients.push(client);
  return client;
}

/** Edits stored in a playlist's stream, by actor. */
async function editors(playlistId: string): Promise<string[]> {
  const events = await cluster.playlistEvents(playlistId);
  return events.filter((e) => e.type === 'PlaylistEdited').map((e) => String(e.metadata.actorId ?? e.data.editedBy));
}

/** Waits until the server has read every message `client` sent so far: its awareness echo comes back to `witness`. */
async function barrier(client: SyncClient, witness: SyncClient): Promise<void> {
  const mark = randomUUID();
  client.provider.awareness.setLocalStateField('mark', mark);
  await eventually(() => expect((witness.provider.awareness.getStates().get(client.doc.clientID) as { mark?: string } | undefined)?.mark).toBe(mark));
}

describe('refused at the upgrade, before any socket opens', () => {
  it('401 without a token or with a bad one, 404 for an unknown playlist, 403 for a stranger on a private playlist', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Private' });
    const forged = await signDevToken('another-secret-that-is-long-enough-0123456789', { sub: alice.userId, name: 'Alice' });
    const cases: Array<{ what: string; playlistId: string; token: string | undefined; status: number; code: string }> = [
      { what: 'no token', playlistId, token: undefined, status: 401, code: 'UNAUTHENTICATED' },
      { what: 'garbage token', playlistId, token: 'not-a-token', status: 401, code: 'UNAUTHENTICATED' },
      { what: 'token signed with another secret', playlistId, token: forged, status: 401, code: 'UNAUTHENTICATED' },
      { what: 'unknown playlist', playlistId: randomUUID(), token: alice.token, status: 404, code: 'PLAYLIST_NOT_FOUND' },
      { what: 'stranger on a private playlist', playlistId, token: stranger.token, status: 403, code: 'FORBIDDEN' },
    ];
    for (const c of cases) {
      const outcome = await rawConnect(node.syncUrl, c.playlistId, c.token);
      expect(outcome.kind, c.what).toBe('refused');
      if (outcome.kind !== 'refused') continue;
      expect(outcome.status, c.what).toBe(c.status);
      expect(outcome.opened, `${c.what}: a socket opened`).toBe(false);
      expect(JSON.parse(outcome.body), c.what).toEqual({ error: { code: c.code, message: expect.any(String) } });
    }
    // The owner is let in.
    const owner = await rawConnect(node.syncUrl, playlistId, alice.token);
    expect(owner.kind).toBe('open');
    if (owner.kind === 'open') owner.socket.close();
  });
});

describe('viewers read but do not write', () => {
  it.each([
    { who: 'a collaborator with the viewer role', isPublic: false },
    { who: 'anyone on a public playlist', isPublic: true },
  ])('$who receives edits; its own are not stored and not seen by others', async ({ isPublic }) => {
    const playlistId = await createPlaylist(alice, { name: 'Listen only', public: isPublic });
    const viewer = isPublic ? stranger : bob;
    if (!isPublic) await setCollaborator(alice, playlistId, bob.userId, 'viewer');
    const dropsBefore = (await node.metric('chorus_sync_viewer_edits_dropped_total')) ?? 0;

    const owner = await open(alice, playlistId, 'owner');
    const v = await open(viewer, playlistId, 'viewer');
    const [first] = owner.insert(['t-owner-1']);
    await eventually(() => expect(v.entries().map((e) => e.entryId)).toEqual([first]));

    const [sneaky] = v.insert(['t-viewer'], 0);
    v.doc.getMap('meta').set('name', 'Hijacked');
    await barrier(v, owner);
    const [second] = owner.insert(['t-owner-2']);
    await eventually(() => expect(v.entries().map((e) => e.entryId)).toContain(second));

    expect(owner.entries().map((e) => e.entryId)).toEqual([first, second]);
    expect(owner.name()).toBe('Listen only');
    const fresh = await open(alice, playlistId, 'fresh');
    expect(fresh.entries().map((e) => e.entryId)).toEqual([first, second]);
    expect(fresh.entries().map((e) => e.entryId)).not.toContain(sneaky);
    expect(fresh.name()).toBe('Listen only');
    const stored = await editors(playlistId);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).not.toContain(viewer.userId);
    expect(await node.metric('chorus_sync_viewer_edits_dropped_total')).toBeGreaterThan(dropsBefore);

    // Reconnecting (its offline state goes up in sync step 2) does not sneak the edit in either.
    v.provider.disconnect();
    v.provider.connect();
    await v.synced();
    await barrier(v, owner);
    await sleep(200);
    expect(order(owner.entries())).toEqual(order(fresh.entries()));
    expect(await editors(playlistId)).not.toContain(viewer.userId);
  });

  it('an editor turned viewer stops writing at once', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Demoted' });
    await setCollaborator(alice, playlistId, bob.userId, 'editor');
    const owner = await open(alice, playlistId, 'owner');
    const b = await open(bob, playlistId, 'bob');
    const [ok] = b.insert(['t-while-editor']);
    await eventually(() => expect(owner.entries().map((e) => e.entryId)).toEqual([ok]));

    await setCollaborator(alice, playlistId, bob.userId, 'viewer');
    // The role change reaches the socket through the stored events; give it its second.
    await sleep(1_000);
    expect(b.provider.wsconnected).toBe(true);
    const [late] = b.insert(['t-after-demotion']);
    await barrier(b, owner);
    await sleep(200);
    expect(owner.entries().map((e) => e.entryId)).toEqual([ok]);
    expect(owner.entries().map((e) => e.entryId)).not.toContain(late);
    expect((await editors(playlistId)).filter((id) => id === bob.userId)).toHaveLength(1);
  });
});

describe('access taken away closes the sockets with a final code', () => {
  /** Waits for the provider's server-side close; returns its code and how long it took. */
  async function closedWithin(client: SyncClient, since: number, timeoutMs = 3_000): Promise<{ code: number | null; ms: number }> {
    const codes = client.closeCodes.length;
    await eventually(() => expect(client.closeCodes.length).toBeGreaterThan(codes), timeoutMs, 5);
    return { code: client.closeCodes[codes]!, ms: Date.now() - since };
  }

  it('removing a collaborator closes their socket within a second with 4403, and the provider stops reconnecting', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Breakup' });
    await setCollaborator(alice, playlistId, bob.userId, 'editor');
    const owner = await open(alice, playlistId, 'owner');
    const b = await open(bob, playlistId, 'bob');
    const started = Date.now();
    const removed = await alice.api.delete(`/v1/playlists/${playlistId}/collaborators/${bob.userId}`);
    expect(removed.status, removed.text).toBe(204);
    const closed = await closedWithin(b, started);
    console.log(`[access] collaborator removed -> socket closed in ${closed.ms} ms (code ${closed.code})`);
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(1_000);
    expect(b.provider.shouldConnect).toBe(false);
    const attempts = b.attempts;
    await sleep(3_000);
    expect(b.attempts, 'the provider connected again').toBe(attempts);
    expect(b.provider.wsconnected).toBe(false);
    // The owner is still connected and still syncing.
    expect(owner.provider.wsconnected).toBe(true);
    const [x] = owner.insert(['t-after']);
    const fresh = await open(alice, playlistId, 'fresh');
    await eventually(() => expect(fresh.entries().map((e) => e.entryId)).toEqual([x]));
    // And bob is refused at the door now.
    const again = await rawConnect(node.syncUrl, playlistId, bob.token);
    expect(again.kind === 'refused' ? again.status : again.kind).toBe(403);
  });

  it('deleting the playlist closes every socket with 4404', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Doomed' });
    await setCollaborator(alice, playlistId, bob.userId, 'editor');
    const owner = await open(alice, playlistId, 'owner');
    const b = await open(bob, playlistId, 'bob');
    const started = Date.now();
    const deleted = await alice.api.delete(`/v1/playlists/${playlistId}`);
    expect(deleted.status, deleted.text).toBe(204);
    const [ownerClosed, bobClosed] = await Promise.all([closedWithin(owner, started), closedWithin(b, started)]);
    console.log(`[access] playlist deleted -> sockets closed in ${ownerClosed.ms} / ${bobClosed.ms} ms`);
    expect([ownerClosed.code, bobClosed.code]).toEqual([4404, 4404]);
    expect(Math.max(ownerClosed.ms, bobClosed.ms)).toBeLessThan(1_000);
    expect(owner.provider.shouldConnect).toBe(false);
    expect(b.provider.shouldConnect).toBe(false);
    const again = await rawConnect(node.syncUrl, playlistId, alice.token);
    expect(again.kind === 'refused' ? again.status : again.kind).toBe(404);
  });

  it("making a public playlist private closes strangers' sockets (4403) and keeps its collaborators", async () => {
    const playlistId = await createPlaylist(alice, { name: 'Going private', public: true });
    await setCollaborator(alice, playlistId, bob.userId, 'viewer');
    const owner = await open(alice, playlistId, 'owner');
    const b = await open(bob, playlistId, 'bob');
    const s = await open(stranger, playlistId, 'stranger');
    const started = Date.now();
    const patched = await alice.api.patch(`/v1/playlists/${playlistId}`, { public: false });
    expect(patched.status, patched.text).toBe(200);
    const closed = await closedWithin(s, started);
    console.log(`[access] made private -> stranger closed in ${closed.ms} ms`);
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(1_000);
    expect(s.provider.shouldConnect).toBe(false);
    await sleep(300);
    expect(owner.provider.wsconnected).toBe(true);
    expect(b.provider.wsconnected).toBe(true);
    const [x] = owner.insert(['t-private']);
    await eventually(() => expect(b.entries().map((e) => e.entryId)).toEqual([x]));
    expect(s.entries()).toEqual([]);
  });
});

// The stock provider against a refused upgrade (not a contract of ours, but what users see):
// it backs off instead of hammering the server.
describe('the stock provider against a refused upgrade', () => {
  it('does not open a socket and backs off', async () => {
    const playlistId = await createPlaylist(alice, { name: 'Closed door' });
    const client = openClient(node.syncUrl, playlistId, stranger.token, { label: 'stranger' });
    clients.push(client);
    await sleep(2_000);
    expect(client.provider.wsconnected).toBe(false);
    expect(client.attempts).toBeLessThanOrEqual(6);
    client.provider.disconnect();
  });
});
