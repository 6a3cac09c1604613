/**
 * What the OpenSubsonic benchmark reads: a generated catalog (bench/http's demo generator at a
 * larger size, imported into the store before Chorus starts), one local account with a Subsonic
 * app password, a playlist of ~100 songs, and per-connection request lists for autocannon, each
 * Subsonic request signed with token auth (`t` = md5(app password + salt)) and a salt of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { demoCatalog } from '../../application/catalog/demo.js';
import { readCatalogFile } from '../../application/catalog/file.js';
import { applyPlan, planImport } from '../../application/catalog/import.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { LoadRequest } from '../http/protocol.js';
import { SEARCH_TERMS, api } from '../http/workload.js';
import { sleep } from '../lib/timing.js';
import type { Config } from './config.js';

export const USERNAME = 'bench';
const ACCOUNT_PASSWORD = 'bench-account-password-0123';
const APP_PASSWORD = 'bench-subsonic-app-password';
/** Distinct salts (and so tokens) per connection: apps that sign each call with a fresh salt. */
const SALTS_PER_CONNECTION = 20;
/** Pages of getAlbumList2 a connection goes through (offset 0, size, 2 size, ...). */
const ALBUM_PAGES = 10;

export interface Catalog {
  artists: number;
  albums: number;
  tracks: number;
  trackIds: string[];
  /** The last track of the file: when the read model has it, it has them all. */
  lastTrackId: string;
  importSeconds: number;
}

export interface Workload {
  catalog: Catalog;
  userId: string;
  /** The account's access token, for the /v1 routes. */
  accessToken: string;
  playlistId: string;
  playlistItems: number;
}

/** Imports `artists` artists of the demo generator (the first 150 are the demo catalog itself) into the store at `databaseUrl`. */
export async function importCatalog(databaseUrl: string, artists: number): Promise<Catalog> {
  const started = performance.now();
  const generated = demoCatalog(artists);
  const read = readCatalogFile(JSON.stringify(generated));
  if (!read.catalog || read.problems.length > 0) throw new Error(`generated catalog invalid: ${read.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const store = await PostgresEventStore.open(createPgClient({ connectionString: databaseUrl, applicationName: 'chorus-bench-import', max: 4 }), { ownsClient: true });
  try {
    const { plan, problems } = await planImport(store, read.catalog, new Date().toISOString());
    if (problems.length > 0) throw new Error(`generated catalog conflicts: ${problems[0]!.path}: ${problems[0]!.message}`);
    const result = await applyPlan(store, plan, { actorId: 'chorus-bench', correlationId: uuidv7() });
    if (result.failure) throw new Error(`catalog import: ${result.failure.path}: ${result.failure.reason}`);
  } finally {
    await store.close();
  }
  const trackIds = generated.albums.flatMap((album) => album.tracks.map((t) => t.id));
  return {
    artists: generated.artists.length,
    albums: generated.albums.length,
    tracks: trackIds.length,
    trackIds,
    lastTrackId: trackIds.at(-1)!,
    importSeconds: (performance.now() - started) / 1_000,
  };
}

/** The account, its app password, the catalog read model filled, the playlist in the read models. */
export async function prepareWorkload(url: string, catalog: Catalog, config: Config): Promise<Workload> {
  // The first account may sign up (an admin); dev tokens turn off with it.
  const signedUp = await api<{ userId: string }>(url, 'POST', '/v1/auth/signup', undefined, { username: USERNAME, password: ACCOUNT_PASSWORD, displayName: 'Bench' });
  const { accessToken } = await api<{ accessToken: string }>(url, 'POST', '/v1/auth/login', undefined, { username: USERNAME, password: ACCOUNT_PASSWORD });
  await api(url, 'PUT', '/v1/me/subsonic-password', accessToken, { password: APP_PASSWORD });
  await waitFor('the catalog read model', 300_000, async () => {
    const found = await api<{ items: unknown[] }>(url, 'GET', `/v1/tracks?ids=${catalog.lastTrackId}`, accessToken);
    return found.items[0] !== null;
  });
  const playlistId = await createPlaylist(url, accessToken, catalog, config.playlistItems);
  return { catalog, userId: signedUp.userId, accessToken, playlistId, playlistItems: config.playlistItems };
}

/** A private playlist of the account with `items` songs spread over the catalog, read back from the read model. */
async function createPlaylist(url: string, token: string, catalog: Catalog, items: number): Promise<string> {
  const created = await api<{ id: string }>(url, 'POST', '/v1/playlists', token, { name: 'Bench mix', description: 'Songs across the catalog' });
  const stride = Math.max(1, Math.floor(catalog.trackIds.length / items));
  const trackIds = Array.from({ length: items }, (_, i) => catalog.trackIds[(i * stride) % catalog.trackIds.length]!);
  for (let i = 0; i < trackIds.length; i += 100) {
    await api(url, 'POST', `/v1/playlists/${created.id}/items`, token, { trackIds: trackIds.slice(i, i + 100) });
  }
  await waitFor('the playlist in the read model', 30_000, async () => {
    const read = await api<{ position?: string; items: unknown[] }>(url, 'GET', `/v1/playlists/${created.id}`, token);
    return Boolean(read.position) && read.items.length === items;
  });
  return created.id;
}

async function waitFor(what: string, ms: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${ms / 1_000} s`);
    await sleep(250);
  }
}

/** The groups of the benchmark: a Subsonic method and its /v1 peer. */
export const GROUPS = ['search', 'albums-name', 'albums-newest', 'playlist'] as const;
export type Group = (typeof GROUPS)[number];

export interface Scenario {
  id: string;
  group: Group;
  api: 'subsonic' | 'v1';
  format?: 'json' | 'xml';
  label: string;
  /** The scenario whose figures this one is compared with (a /v1 route). */
  peer?: string;
}

/**
 * Every run, in order: per group the /v1 peer, then the Subsonic method in JSON and in XML.
 * /v1 has no alphabetical album listing: both getAlbumList2 types are set beside
 * /v1/browse/new-releases (the one album listing of the HTTP API), measured once.
 */
export function scenarios(config: Config): Scenario[] {
  const all: Scenario[] = [];
  const add = (group: Group, peer: string, v1Label: string | undefined, method: string) => {
    if (v1Label) all.push({ id: peer, group, api: 'v1', label: v1Label });
    for (const format of ['json', 'xml'] as const) {
      all.push({ id: `${group}-${format}`, group, api: 'subsonic', format, label: `${method} (${format === 'json' ? 'f=json' : 'XML'})`, peer });
    }
  };
  add('search', 'v1-search', 'GET /v1/search?q=', 'search3');
  add('albums-newest', 'v1-new-releases', `GET /v1/browse/new-releases?limit=${config.page}`, 'getAlbumList2 type=newest');
  add('albums-name', 'v1-new-releases', undefined, 'getAlbumList2 type=alphabeticalByName');
  add('playlist', 'v1-playlist', 'GET /v1/playlists/:id', `getPlaylist (${config.playlistItems} songs)`);
  const wanted = config.only;
  if (!wanted) return all;
  const chosen = all.filter((s) => wanted.includes(s.group) || wanted.includes(s.id));
  // A chosen Subsonic run brings its peer along.
  const peers = new Set(chosen.map((s) => s.peer).filter((p) => p !== undefined));
  return all.filter((s) => chosen.includes(s) || peers.has(s.id));
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Request lists per connection: connection i cycles through list i (mod the number of lists). */
export function requestsFor(scenario: Scenario, workload: Workload, config: Config): LoadRequest[][] {
  const each = <T>(make: (connection: number) => T) => Array.from({ length: config.connections }, (_, c) => make(c));
  const bearer = { authorization: `Bearer ${workload.accessToken}` };
  const term = (c: number, k: number) => SEARCH_TERMS[(c + k) % SEARCH_TERMS.length]!;
  if (scenario.api === 'v1') {
    switch (scenario.group) {
      case 'search':
        return each((c) => SEARCH_TERMS.map((_, k) => ({ method: 'GET', path: `/v1/search?q=${encodeURIComponent(term(c, k))}`, headers: bearer }) satisfies LoadRequest));
      case 'albums-name':
      case 'albums-newest':
        return [[{ method: 'GET', path: `/v1/browse/new-releases?limit=${config.page}`, headers: bearer }]];
      case 'playlist':
        return [[{ method: 'GET', path: `/v1/playlists/${workload.playlistId}`, headers: bearer }]];
    }
  }
  const signed = (method: string, params: Record<string, string>) => {
    const s = randomBytes(6).toString('hex');
    const query = new URLSearchParams({ u: USERNAME, t: md5(APP_PASSWORD + s), s, v: '1.16.1', c: 'chorus-bench', ...(scenario.format === 'json' ? { f: 'json' } : {}), ...params });
    return { method: 'GET', path: `/rest/${method}.view?${query.toString()}` } satisfies LoadRequest;
  };
  const list = (make: (c: number, k: number) => LoadRequest) => each((c) => Array.from({ length: SALTS_PER_CONNECTION }, (_, k) => make(c, k)));
  const page = (c: number, k: number) => ({ size: String(config.page), offset: String(((c + k) % ALBUM_PAGES) * config.page) });
  switch (scenario.group) {
    case 'search':
      return list((c, k) => signed('search3', { query: term(c, k) }));
    case 'albums-name':
      return list((c, k) => signed('getAlbumList2', { type: 'alphabeticalByName', ...page(c, k) }));
    case 'albums-newest':
      return list((c, k) => signed('getAlbumList2', { type: 'newest', ...page(c, k) }));
    case 'playlist':
      return list(() => signed('getPlaylist', { id: workload.playlistId }));
  }
}

/**
 * A Subsonic failure is an HTTP 200 with status "failed" in the envelope, which autocannon counts
 * as a success: every distinct request of two connections is sent once before the runs and must
 * answer status "ok" with something in it. Answers the mean size of the answers (bytes).
 */
export async function checkRequests(url: string, scenario: Scenario, perConnection: LoadRequest[][]): Promise<number> {
  const sample = perConnection.slice(0, 2).flat();
  let bytes = 0;
  for (const request of sample) {
    const response = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers });
    const text = await response.text();
    bytes += Buffer.byteLength(text);
    const context = `${scenario.id}: ${request.method} ${request.path.slice(0, 120)}: ${response.status} ${text.slice(0, 300)}`;
    if (!response.ok) throw new Error(context);
    if (scenario.api === 'subsonic') {
      const ok = scenario.format === 'json' ? text.startsWith('{"subsonic-response":{"status":"ok"') : /<subsonic-response[^>]* status="ok"/.test(text);
      if (!ok) throw new Error(`not ok: ${context}`);
      if (!/"(song|album|artist|entry)":\[\{|<(song|album|artist|entry) /.test(text)) throw new Error(`empty answer: ${context}`);
    }
  }
  return bytes / sample.length;
}

export function describeCatalog(catalog: Catalog): string {
  return `${catalog.artists.toLocaleString('en-US')} artists, ${catalog.albums.toLocaleString('en-US')} albums, ${catalog.tracks.toLocaleString('en-US')} tracks`;
}

