/**
 * A playlist open for live editing: its Yjs document (DESIGN.md section 5) synced with the server
 * by the stock y-websocket provider, kept in IndexedDB (y-indexeddb) so edits made offline
 * survive a closed tab and merge on reconnect, and the people here (awareness: who, and what
 * they are dragging). Edits use the same document functions as the server
 * (domain/playlist/document.ts). Viewers get the document live but never change it.
 */
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { insertTracks, listEntries, moveEntry, readMeta, removeEntries, rename, describe, type Entry } from '../../../domain/playlist/document.js';
import { session, type Session } from '../session.js';
import { createStore, type Store } from '../store.js';

export type LiveStatus =
  /** Opening the socket (first time or after a drop). */
  | 'connecting'
  /** Synced with the server: edits reach the others at once. */
  | 'live'
  /** The browser is offline: edits are kept here and sent on reconnect. */
  | 'offline'
  /** The owner removed this user (close 4403): final. */
  | 'revoked'
  /** The playlist was deleted (close 4404): final. */
  | 'deleted';

export interface Peer {
  clientId: number;
  userId: string;
  name: string;
  color: number;
  /** The entry this person is dragging now. */
  dragging?: string;
}

export interface LiveState {
  entries: Entry[];
  name?: string;
  description?: string;
  status: LiveStatus;
  /** The document has been loaded (from IndexedDB or the server) at least once. */
  loaded: boolean;
  /** Local edits the server has not confirmed by a sync yet (offline edits). */
  unsynced: boolean;
  peers: Peer[];
}

const ORIGIN = 'local';

export function colorOf(userId: string): number {
  let h = 0;
  for (let i = 0; i < userId.length; i += 1) h = (h * 33 + userId.charCodeAt(i)) >>> 0;
  return h % 8;
}

export function socketBase(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/v1/sync/playlists`;
}

export class LivePlaylist {
  readonly doc = new Y.Doc();
  readonly state: Store<LiveState>;
  private readonly provider: WebsocketProvider;
  private readonly persistence: IndexeddbPersistence | undefined;
  private readonly cleanup: (() => void)[] = [];
  /** Local edits made while not live (sent by the next sync exchange). */
  private dirty = false;
  private everConnected = false;

  constructor(
    readonly playlistId: string,
    private readonly me: Session,
    readonly canWrite: boolean,
    /** Called when the socket closes before it ever opened (refused at the upgrade: 401/403/404). */
    private readonly onRefused: () => void,
  ) {
    this.state = createStore<LiveState>({ entries: [], status: navigator.onLine ? 'connecting' : 'offline', loaded: false, unsynced: false, peers: [] });
    // A viewer's copy holds nothing to send; only editors keep the document (and offline edits).
    this.persistence = canWrite ? new IndexeddbPersistence(storageName(me.userId, playlistId), this.doc) : undefined;
    this.persistence?.whenSynced.then(() => this.refresh({ loaded: true }), () => undefined);
    this.provider = new WebsocketProvider(socketBase(), playlistId, this.doc, {
      params: { token: me.accessToken },
      disableBc: true,
      connect: navigator.onLine,
      maxBackoffTime: 5000,
    });
    this.provider.awareness.setLocalState({ user: { id: me.userId, name: me.displayName, color: colorOf(me.userId) }, dragging: null });

    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin === ORIGIN && this.state.get().status !== 'live') this.dirty = true;
      this.refresh();
    };
    this.doc.on('update', onUpdate);
    this.provider.on('status', ({ status }) => {
      if (this.isFinal()) return;
      this.refresh({ status: status === 'connected' ? (this.provider.synced ? 'live' : 'connecting') : navigator.onLine ? 'connecting' : 'offline' });
    });
    this.provider.on('sync', (synced: boolean) => {
      if (!synced || this.isFinal()) return;
      this.dirty = false;
      this.refresh({ status: 'live', loaded: true });
    });
    this.provider.on('status', ({ status }) => {
      if (status === 'connected') this.everConnected = true;
    });
    // A refused upgrade reaches the browser as a close without a code: ask the page to look why.
    this.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event && !this.everConnected && navigator.onLine) this.onRefused();
    });
    this.provider.on('closed', ({ code }: { code: number }) => {
      if (code === 4403 || code === 4404) void this.end(code === 4403 ? 'revoked' : 'deleted');
    });
    this.provider.awareness.on('change', () => this.refresh());

    const offline = () => {
      if (this.isFinal()) return;
      this.provider.disconnect();
      this.refresh({ status: 'offline' });
    };
    const online = () => {
      if (this.isFinal()) return;
      this.provider.params = { token: session.get()?.accessToken ?? me.accessToken };
      this.provider.connect();
      this.refresh({ status: 'connecting' });
    };
    addEventListener('offline', offline);
    addEventListener('online', online);
    // A refreshed access token is used on the next reconnect.
    const unsubscribe = session.subscribe(() => {
      const token = session.get()?.accessToken;
      if (token) this.provider.params = { token };
    });
    this.cleanup.push(() => {
      removeEventListener('offline', offline);
      removeEventListener('online', online);
      unsubscribe();
      this.doc.off('update', onUpdate);
    });
    this.refresh();
  }

  private isFinal(): boolean {
    const status = this.state.get().status;
    return status === 'revoked' || status === 'deleted';
  }

  private refresh(patch: Partial<LiveState> = {}): void {
    const meta = readMeta(this.doc);
    this.state.update((s) => ({
      ...s,
      ...patch,
      entries: listEntries(this.doc),
      name: meta.name,
      description: meta.description,
      unsynced: this.dirty,
      peers: this.peers(),
    }));
  }

  private peers(): Peer[] {
    const out: Peer[] = [];
    this.provider.awareness.getStates().forEach((value, clientId) => {
      if (clientId === this.doc.clientID) return;
      const user = (value as { user?: { id?: unknown; name?: unknown; color?: unknown } }).user;
      if (!user || typeof user.id !== 'string') return;
      const dragging = (value as { dragging?: unknown }).dragging;
      out.push({
        clientId,
        userId: user.id,
        name: typeof user.name === 'string' ? user.name.slice(0, 200) : user.id,
        color: typeof user.color === 'number' ? Math.abs(Math.trunc(user.color)) % 8 : colorOf(user.id),
        ...(typeof dragging === 'string' ? { dragging } : {}),
      });
    });
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
  }

  /** Access ended: stop syncing, drop what this device kept (it can never be delivered). */
  private async end(status: 'revoked' | 'deleted'): Promise<void> {
    this.refresh({ status });
    this.provider.disconnect();
    await this.persistence?.clearData().catch(() => undefined);
  }

  private writable(): boolean {
    return this.canWrite && !this.isFinal();
  }

  add(trackIds: readonly string[], index?: number): string[] {
    if (!this.writable() || trackIds.length === 0) return [];
    return insertTracks(this.doc, trackIds, index, { addedBy: this.me.userId, addedAt: new Date().toISOString(), newId: () => crypto.randomUUID(), origin: ORIGIN });
  }

  remove(entryId: string): void {
    if (this.writable()) removeEntries(this.doc, [entryId], ORIGIN);
  }

  /** Moves an entry to `index` in the list without it (0: first; length - 1: last). */
  move(entryId: string, index: number): boolean {
    if (!this.writable()) return false;
    const others = listEntries(this.doc).filter((e) => e.entryId !== entryId);
    const at = Math.min(Math.max(index, 0), others.length);
    return moveEntry(this.doc, entryId, others[at - 1]?.entryId, others[at]?.entryId, { origin: ORIGIN });
  }

  rename(name: string): void {
    if (this.writable() && name.trim() && name !== readMeta(this.doc).name) rename(this.doc, name.trim().slice(0, 200), ORIGIN);
  }

  describe(text: string): void {
    if (this.writable() && text !== (readMeta(this.doc).description ?? '')) describe(this.doc, text.slice(0, 1000), ORIGIN);
  }

  /** Tells the others which entry this user is dragging (undefined: none). */
  setDragging(entryId: string | undefined): void {
    this.provider.awareness.setLocalStateField('dragging', entryId ?? null);
  }

  destroy(): void {
    for (const fn of this.cleanup) fn();
    this.provider.awareness.setLocalState(null);
    this.provider.destroy();
    void this.persistence?.destroy();
    this.doc.destroy();
  }
}

function storageName(userId: string, playlistId: string): string {
  return `chorus:${userId}:playlist:${playlistId}`;
}
