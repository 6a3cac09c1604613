/**
 * The fixture, made through Chorus's HTTP API: users with dev tokens, and private collaborative
 * playlists, each with its owner and editors (one per client), so every sync connection passes
 * the real auth and access checks at the upgrade. The stock server takes the same room names and
 * ignores the tokens.
 */
import { api } from '../http/workload.js';
import { sleep } from '../lib/timing.js';
import { LAST_DEMO_TRACK } from './tracks.js';

export interface Member {
  userId: string;
  token: string;
}

export interface Fixture {
  users: Member[];
  /** The playlists of the editing runs (and the rooms of the idle connections). */
  playlists: string[];
  /** Playlist i's members: its owner first, then its editors; client j of playlist i is member j. */
  members(playlist: number): Member[];
  /** A playlist for warming the servers up before a baseline. */
  warmUp: string;
  /** The playlist that is filled with many entries and loaded from the store. */
  large: string;
}

export async function prepareFixture(url: string, playlists: number, clients: number): Promise<Fixture> {
  const userCount = Math.max(playlists, clients);
  const users = new Array<Member>(userCount);
  await parallel(userCount, 8, async (i) => {
    const userId = `bench-sync-${i}`;
    const { token } = await api<{ token: string }>(url, 'POST', '/v1/auth/dev-token', undefined, { userId, displayName: `Sync ${i}` });
    users[i] = { userId, token };
  });
  const members = (p: number) => Array.from({ length: clients }, (_, j) => users[(p + j) % userCount]!);
  // The sync server refuses entries of tracks its catalog does not have: wait until the demo catalog is in.
  const catalogDeadline = Date.now() + 120_000;
  while (!(await api(url, 'GET', `/v1/tracks/${LAST_DEMO_TRACK}`, users[0]!.token).then(() => true, () => false))) {
    if (Date.now() > catalogDeadline) throw new Error(`the demo catalog (${LAST_DEMO_TRACK}) did not reach the read model within 120 s`);
    await sleep(200);
  }
  const ids = new Array<string>(playlists);
  await parallel(playlists, 8, async (p) => {
    ids[p] = await createShared(url, members(p), `Sync bench ${p}`);
  });
  const warmUp = await createShared(url, members(0), 'Sync bench warm-up');
  const large = await createShared(url, members(0), 'Sync bench large');
  // The upgrade checks access on the playlists read model: wait until it has the last grants.
  const last = members(playlists - 1);
  for (const id of [ids[playlists - 1]!, large]) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const read = await api<{ collaborators: unknown[] }>(url, 'GET', `/v1/playlists/${id}`, last[last.length - 1]!.token).catch(() => undefined);
      if (read && read.collaborators.length >= clients - 1) break;
      if (Date.now() > deadline) throw new Error(`playlist ${id} did not reach the read model within 60 s`);
      await sleep(100);
    }
  }
  return { users, playlists: ids, members, warmUp, large };
}

async function createShared(url: string, members: Member[], name: string): Promise<string> {
  const [owner, ...editors] = members;
  const { id } = await api<{ id: string }>(url, 'POST', '/v1/playlists', owner!.token, { name, public: false, collaborative: true });
  for (const editor of new Set(editors.filter((e) => e.userId !== owner!.userId))) {
    // The users read model may not know a brand-new user yet (USER_NOT_FOUND): try again.
    await retry(() => api(url, 'PUT', `/v1/playlists/${id}/collaborators/${editor.userId}`, owner!.token, { role: 'editor' }));
  }
  return id;
}

async function retry<T>(work: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(100);
    }
  }
}

async function parallel(count: number, workers: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(workers, count) }, worker));
}

