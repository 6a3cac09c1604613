/**
 * A bounded shutdown while the store hangs (issue "Hostile clients"; PROTOCOL.md, close 1001): a
 * transaction of the test's own holds an ACCESS EXCLUSIVE lock on the events table, so every
 * append and every read of the events hangs, while two clients have edits the node relayed and
 * could not store. SIGTERM must still end the process within CHORUS_SHUTDOWN_TIMEOUT_MS (the sync
 * server gives up on the store at half of it; app/main.ts exits at the whole, whatever is still
 * waiting), and nothing is lost: once the lock is gone and the node is back, the clients reconnect
 * and their edits are stored.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadDocument } from '../../application/playlist-documents/load.js';
import { listEntries } from '../../domain/playlist/document.js';
import { createPlaylist, setCollaborator, startSyncCluster, type SyncCluster, type SyncNode, type SyncUser } from '../support/sync-cluster.js';
import { eventually, openSynced, order, sleep, type SyncClient } from '../support/sync-clients.js';

const LABEL = 'shutdown';
const SHUTDOWN_TIMEOUT_MS = 6_000;
/** What a loaded machine may add to the deadline (a signal handled late, a slow exit); under sync-cluster's 15 s SIGKILL. */
const EXIT_MARGIN_MS = 5_000;

let cluster: SyncCluster;
let node: SyncNode;
let owner: SyncUser;
let editor: SyncUser;
const clients: SyncClient[] = [];

beforeAll(async () => {
  cluster = await startSyncCluster(LABEL, 0);
  node = await cluster.addNode('n1', { CHORUS_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  owner = await cluster.user('owner');
  editor = await cluster.user('editor');
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await cluster?.close();
});

async function open(user: SyncUser, playlistId: string, label: string): Promise<SyncClient> {
  const client = await openSynced(node.syncUrl, playlistId, user.token, { label, userId: user.userId });
  clients.push(client);
  return client;
}

async function storedEntryIds(playlistId: string): Promise<string[]> {
  const doc = new Y.Doc();
  for (const update of (await loadDocument(cluster.store, playlistId)).updates) Y.applyUpdate(doc, update);
  const ids = listEntries(doc).map((e) => e.entryId);
  doc.destroy();
  return ids;
}

/** Hangs every append and every read of the events: a transaction of the test's own holds ACCESS EXCLUSIVE on es_events. */
async function hangTheStore(): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: cluster.db.url, application_name: 'shutdown-lock' });
  await client.connect();
  await client.query('begin');
  await client.query('lock table es_events in access exclusive mode');
  return {
    async release() {
      await client.query('rollback');
      await client.end();
    },
  };
}

/**
 * Ends the database sessions the node left behind: a backend waiting on the lock does not notice
 * that its client went away, and would commit the append once the lock goes. The edits must reach
 * the store through the reconnecting clients, not through that.
 */
async function endSessionsOf(nodeName: string): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.db.url, application_name: 'shutdown-admin' });
  await admin.connect();
  try {
    const name = `chorus:sync-${LABEL}-${nodeName}%`;
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name like $1', [name]);
    await eventually(async () => {
      const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name like $1', [name]);
      expect(rows[0]!.n).toBe(0);
    }, 10_000);
  } finally {
    await admin.end();
  }
}

describe('shutdown while the store hangs', () => {
  it(`SIGTERM ends the node within CHORUS_SHUTDOWN_TIMEOUT_MS (${SHUTDOWN_TIMEOUT_MS} ms); the clients' unstored edits are stored after a restart`, async () => {
    const playlistId = await createPlaylist(owner, { name: 'Stopped while stuck' });
    await setCollaborator(owner, playlistId, editor.userId, 'editor');
    const a = await open(owner, playlistId, 'a');
    const b = await open(editor, playlistId, 'b');
    // The tracks the stuck edits use are looked up now: with the events locked, the node's readers
    // may hold every pooled connection, and a track lookup would wait behind them.
    const before = a.insert(['s1', 's2', 's3']);
    await eventually(async () => expect(await storedEntryIds(playlistId)).toEqual(expect.arrayContaining(before)), 10_000);

    const lock = await hangTheStore();
    let released = false;
    try {
      // Edits from both clients, relayed to the other (the node applied them) and not storable.
      const edits = [...a.insert(['s1', 's2']), ...b.insert(['s3']), ...a.insert(['s1'])];
      await eventually(() => {
        expect(b.entries().map((e) => e.entryId)).toEqual(expect.arrayContaining(edits));
        expect(a.entries().map((e) => e.entryId)).toEqual(expect.arrayContaining(edits));
      }, 10_000);

      const started = Date.now();
      const code = await node.stop('SIGTERM');
      const tookMs = Date.now() - started;
      console.log(`[shutdown] exited with ${code} ${tookMs} ms after SIGTERM (deadline ${SHUTDOWN_TIMEOUT_MS} ms)`);
      // It exited by itself (sync-cluster's SIGKILL would leave no exit code), within the deadline.
      expect(code, node.output().slice(-4000)).not.toBeNull();
      expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS);
      // It did reach the store's deadline with edits unstored, and told the clients it was going (1001).
      expect(node.output()).toContain('the store did not take every edit in time');
      expect(a.closeCodes).toContain(1001);
      expect(b.closeCodes).toContain(1001);

      await endSessionsOf('n1');
      await lock.release();
      released = true;
      await sleep(500);
      const stored = await storedEntryIds(playlistId);
      expect(stored).toEqual(expect.arrayContaining(before));
      for (const edit of edits) expect(stored, 'only the clients hold it now').not.toContain(edit);

      await node.start();
      // The providers reconnect on their own and send what the node lacks.
      await eventually(async () => expect(await storedEntryIds(playlistId)).toEqual(expect.arrayContaining([...before, ...edits])), 60_000, 200);
      await eventually(() => expect(order(a.entries())).toEqual(order(b.entries())), 10_000);
      const fresh = await open(owner, playlistId, 'fresh');
      expect(order(fresh.entries())).toEqual(order(a.entries()));
      expect(fresh.entries()).toHaveLength(before.length + edits.length);
    } finally {
      if (!released) await lock.release();
      if (!node.running) await node.start();
    }
  });
});
