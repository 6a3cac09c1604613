/**
 * What the load is made of: users with dev tokens, a playlist, the demo catalog's tracks, search
 * terms, and per-connection request lists for autocannon. Set up through the API itself.
 */
import { demoCatalog } from '../../application/catalog/demo.js';
import { sleep } from '../lib/timing.js';
import type { ScenarioName } from './config.js';
import type { LoadRequest } from './protocol.js';

/** Real words of the demo catalog (application/catalog/demo.ts), and a few typos that only trigrams find. */
export const SEARCH_TERMS = [
  'polyphonics', 'the polyphonics', 'harmony street', 'canon in the rain', 'neon', 'rain', 'velvet', 'midnight tides',
  'paper moon', 'summer', 'electric foxes', 'gravity', 'heartbeat', 'jazz', 'wildflower', 'quiet',
  'polyphnics', 'crimsn', 'lulaby', 'satelite',
] as const;

export interface Workload {
  /** Dev tokens, one per user. */
  tokens: string[];
  playlistId: string;
  tracks: Array<{ id: string; albumId: string; durationMs: number }>;
  /** Results (tracks + albums + artists) per search term, at set-up. */
  searchHits: Record<string, number>;
}

export async function prepareWorkload(url: string, users: number): Promise<Workload> {
  const tokens = await createUsers(url, users);
  await waitForCatalog(url, tokens[0]!);
  const playlistId = await createPlaylist(url, tokens);
  const tracks = demoCatalog().albums.flatMap((album) => album.tracks.map((t) => ({ id: t.id, albumId: album.id, durationMs: t.durationMs })));
  const searchHits: Record<string, number> = {};
  for (const term of SEARCH_TERMS) {
    const found = await api<{ tracks: unknown[]; albums: unknown[]; artists: unknown[] }>(url, 'GET', searchPath(term), tokens[0]);
    searchHits[term] = found.tracks.length + found.albums.length + found.artists.length;
  }
  return { tokens, playlistId, tracks, searchHits };
}

/** Request lists per connection: connection i cycles through list i (mod the number of lists). */
export function requestsFor(scenario: ScenarioName, workload: Workload, connections: number): LoadRequest[][] {
  const { tokens } = workload;
  const auth = (user: number) => ({ authorization: `Bearer ${tokens[user % tokens.length]}` });
  const each = <T>(make: (connection: number) => T) => Array.from({ length: connections }, (_, c) => make(c));
  switch (scenario) {
    case 'healthz':
      return [[{ method: 'GET', path: '/healthz' }]];
    case 'plays':
      // Each connection plays for its own users (no two connections append to one user's stream
      // at once, as no user plays on two devices at once), over tracks spread across the catalog.
      return each((c) =>
        Array.from({ length: 60 }, (_, k) => {
          const users = Math.max(1, Math.floor(tokens.length / connections));
          const user = (k % users) * connections + c;
          const track = workload.tracks[(c * 61 + k * 7) % workload.tracks.length]!;
          // One play in five is a skip (under 30 s: history only, no chart count).
          const body = { trackId: track.id, msPlayed: k % 5 === 0 ? 12_000 : track.durationMs, context: { type: 'album', id: track.albumId } };
          return { method: 'POST', path: '/v1/me/plays', headers: { ...auth(user), 'content-type': 'application/json' }, body: JSON.stringify(body) } satisfies LoadRequest;
        }),
      );
    case 'playlist':
      return each((c) => [{ method: 'GET', path: `/v1/playlists/${workload.playlistId}`, headers: auth(c) }]);
    case 'search':
      return each((c) =>
        SEARCH_TERMS.map((_, k) => ({ method: 'GET', path: searchPath(SEARCH_TERMS[(c + k) % SEARCH_TERMS.length]!), headers: auth(c) }) satisfies LoadRequest),
      );
  }
}

const searchPath = (term: string) => `/v1/search?q=${encodeURIComponent(term)}`;

async function createUsers(url: string, count: number): Promise<string[]> {
  const tokens = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const body = { userId: `bench-user-${i}`, displayName: `Bench User ${i}` };
      tokens[i] = (await api<{ token: string }>(url, 'POST', '/v1/auth/dev-token', undefined, body)).token;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return tokens;
}

/** The demo catalog is imported on start; its read model fills a moment later. */
async function waitForCatalog(url: string, token: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = await api<{ tracks: unknown[] }>(url, 'GET', searchPath('polyphonics'), token);
    if (found.tracks.length > 0) return;
    if (Date.now() > deadline) throw new Error('the catalog read model did not fill within 60 s');
    await sleep(200);
  }
}

/** A public playlist of user 0 with two collaborators, read back from the read model. */
async function createPlaylist(url: string, tokens: readonly string[]): Promise<string> {
  const owner = tokens[0];
  const created = await api<{ id: string }>(url, 'POST', '/v1/playlists', owner, { name: 'Road trip', description: 'Songs for the long drive', public: true });
  for (const user of [1, 2]) {
    await api(url, 'PUT', `/v1/playlists/${created.id}/collaborators/bench-user-${user}`, owner, { role: 'editor' });
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    // `position` in the answer: it came from the read model, not from the stream.
    const read = await api<{ position?: string; collaborators: unknown[] }>(url, 'GET', `/v1/playlists/${created.id}`, tokens[3]);
    if (read.position && read.collaborators.length === 2) return created.id;
    if (Date.now() > deadline) throw new Error('the playlist did not reach the read model within 30 s');
    await sleep(100);
  }
}

export async function api<T = unknown>(url: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
