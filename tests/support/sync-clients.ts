/**
 * Clients of the sync server for tests: the stock y-websocket provider (with `ws` as its
 * WebSocket, and without its BroadcastChannel, so that providers in one test process only meet
 * through the server), raw `ws` sockets for what the provider never sends, and small waits.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { demoCatalog } from '../../application/catalog/demo.js';
import { insertTracks, listEntries, readMeta, type Entry } from '../../domain/playlist/document.js';

export interface SyncClient {
  readonly label: string;
  /** The user the client writes as (entries' addedBy). */
  readonly userId: string;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** How many WebSocket connections the provider has started. */
  readonly attempts: number;
  /** Close codes of the connections the server closed (null: closed locally). */
  readonly closeCodes: ReadonlyArray<number | null>;
  entries(): Entry[];
  name(): string | undefined;
  /** Resolves once the provider is synced with the server (now or after its next connection). */
  synced(timeoutMs?: number): Promise<void>;
  /**
   * Inserts tracks at an index with the document functions (the end when omitted). Labels stand
   * for tracks of the demo catalog (see demoTrack): the server accepts only tracks it knows.
   */
  insert(labels: readonly string[], index?: number): string[];
  destroy(): void;
}

export interface ClientOptions {
  label?: string;
  connect?: boolean;
  userId?: string;
  /** The Yjs client id of the document (decides which of two concurrent writes to one key wins: the higher). */
  clientId?: number;
}

/** Providers not destroyed yet. */
let open = 0;

/** A stock y-websocket provider on `syncUrl` (ws://HOST:PORT/v1/sync/playlists) for a playlist. */
export function openClient(syncUrl: string, playlistId: string, token: string, options: ClientOptions = {}): SyncClient {
  // Each provider listens to the process's 'exit' (to say goodbye); many at once are expected here.
  open += 1;
  if (process.getMaxListeners() < open + 10) process.setMaxListeners(open + 10);
  const doc = new Y.Doc();
  if (options.clientId !== undefined) doc.clientID = options.clientId;
  const provider = new WebsocketProvider(syncUrl, playlistId, doc, {
    WebSocketPolyfill: WebSocket as unknown as NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>['WebSocketPolyfill'],
    params: { token },
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: 1_000,
  });
  let attempts = 0;
  const closeCodes: Array<number | null> = [];
  provider.on('status', ({ status }) => {
    if (status === 'connecting') attempts += 1;
  });
  provider.on('connection-close', (event) => closeCodes.push(event ? (event as { code: number }).code : null));
  const label = options.label ?? 'client';
  const userId = options.userId ?? label;
  return {
    label,
    userId,
    doc,
    provider,
    get attempts() {
      return attempts;
    },
    closeCodes,
    entries: () => listEntries(doc),
    name: () => readMeta(doc).name,
    synced: (timeoutMs = 10_000) => whenSynced(provider, timeoutMs),
    insert: (labels, index) => insertTracks(doc, labels.map(demoTrack), index, { addedBy: userId, addedAt: new Date().toISOString(), newId: randomUUID }),
    destroy() {
      if (doc.isDestroyed) return;
      open -= 1;
      provider.destroy();
      doc.destroy();
    },
  };
}

/** The tracks of the demo catalog every test node imports (CHORUS_DEMO_CATALOG=1). */
export const DEMO_TRACKS: readonly string[] = demoCatalog().albums.flatMap((album) => album.tracks.map((track) => track.id));
const labelled = new Map<string, string>();

/**
 * A track of the demo catalog for a label: the same label always gives the same track, different
 * labels different tracks (as long as there are tracks left). A demo track id stands for itself.
 */
export function demoTrack(label: string): string {
  if (DEMO_TRACKS.includes(label)) return label;
  let id = labelled.get(label);
  if (id === undefined) {
    // From the end of the catalog: tests name the first demo tracks by their ids.
    id = DEMO_TRACKS[DEMO_TRACKS.length - 1 - (labelled.size % DEMO_TRACKS.length)]!;
    labelled.set(label, id);
  }
  return id;
}

export function whenSynced(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      provider.off('sync', onSync);
      reject(new Error(`provider for ${provider.roomname} not synced within ${timeoutMs} ms (connected: ${provider.wsconnected})`));
    }, timeoutMs);
    const onSync = (state: boolean) => {
      if (!state) return;
      clearTimeout(timer);
      provider.off('sync', onSync);
      resolve();
    };
    provider.on('sync', onSync);
  });
}

/** Opens a provider and waits until it is synced. */
export async function openSynced(syncUrl: string, playlistId: string, token: string, options: ClientOptions = {}): Promise<SyncClient> {
  const client = openClient(syncUrl, playlistId, token, options);
  try {
    await client.synced();
  } catch (error) {
    client.destroy();
    throw error;
  }
  return client;
}

/** Retries `check` (an assertion) until it passes or the time is up; then throws its last error. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The entries in order, without what a comparison across replicas should ignore. */
export const order = (entries: readonly Entry[]) => entries.map((e) => `${e.entryId}:${e.trackId}`);

export type RawOutcome =
  | { kind: 'open'; socket: WebSocket }
  | { kind: 'refused'; status: number; body: string; opened: boolean }
  | { kind: 'error'; error: Error };

/**
 * A raw `ws` connection to a playlist's sync URL. Resolves when it opens, or with the HTTP status
 * of a refused upgrade (and whether a socket opened anyway, which it must not).
 */
export function rawConnect(syncUrl: string, playlistId: string, token: string | undefined, timeoutMs = 10_000): Promise<RawOutcome> {
  const url = `${syncUrl}/${encodeURIComponent(playlistId)}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  const socket = new WebSocket(url);
  socket.binaryType = 'nodebuffer';
  let opened = false;
  socket.on('open', () => (opened = true));
  socket.on('error', () => undefined); // reported once below; later ones (a refused handshake torn down) are expected
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'error', error: new Error(`no answer from ${url} within ${timeoutMs} ms`) }), timeoutMs);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve({ kind: 'open', socket });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        clearTimeout(timer);
        // Give a socket that would open anyway the chance to say so.
        setTimeout(() => resolve({ kind: 'refused', status: response.statusCode ?? 0, body, opened }), 50);
      });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'error', error });
    });
  });
}

/** Resolves with the close code of a socket (once it closes). */
export function closeCode(socket: WebSocket, timeoutMs = 5_000): Promise<number> {
  if (socket.readyState === socket.CLOSED) return Promise.reject(new Error('the socket was already closed'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', (code: number) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
