/**
 * One playlist's document in memory, with the peers connected to it.
 *
 * An edit (from a client, or from the HTTP routes) is applied to the document at once, queued,
 * and stored as PlaylistEdited through the `store` hook; only once it is stored is it sent to the
 * other peers and to other nodes — so whatever another device has seen is durable. Edits that
 * arrive while a store is under way are stored together next (group commit: no fixed window).
 * Updates that come from the store or from other nodes are already durable: they are only relayed.
 * Transactions carry their origin ('client' | 'http' | 'store' | 'fanout' | 'load'), and nothing
 * that came from outside is stored or published again.
 */
import type { Logger } from 'pino';
import * as Y from 'yjs';
import { ChangeTracker } from '../domain/playlist/document.js';
import type { PlaylistChange } from '../domain/playlist/events.js';
import type { Edit, SyncHooks } from './hooks.js';
import * as awarenessProtocol from 'y-protocols/awareness';
import { message, writeAwareness, writeSyncStep1, writeSyncStep2, writeUpdate, type Message } from './protocol.js';

/** A connected client, as the room sees it. */
export interface Peer {
  readonly userId: string;
  canWrite: boolean;
  /** Awareness client ids this peer controls (removed when it leaves). */
  readonly awarenessIds: Set<number>;
  send(message: Uint8Array): void;
}

interface HttpWaiter {
  resolve(position: string | undefined): void;
  reject(error: unknown): void;
}

type Origin =
  | { kind: 'client'; peer: Peer }
  | { kind: 'http'; actorId: string; waiter: HttpWaiter; queued: boolean }
  | { kind: 'store' }
  | { kind: 'fanout' }
  | { kind: 'load' };

const STORE: Origin = { kind: 'store' };
const FANOUT: Origin = { kind: 'fanout' };
const LOAD: Origin = { kind: 'load' };

interface Pending {
  update: Uint8Array;
  changes: PlaylistChange[];
  actorId: string;
  peer?: Peer;
  waiter?: HttpWaiter;
}

export interface RoomOptions {
  /** Store a compaction after this many stored edits (default 500). */
  compactEvery: number;
  /** Largest merged update stored as one event (default 256 KiB). */
  maxEditBytes: number;
  /** More queued edits than this and client edits are refused until the store catches up. */
  maxQueuedEdits: number;
  onStored?: (edits: number, ms: number) => void;
  onDropped?: (reason: 'viewer') => void;
}

export class StoreBackloggedError extends Error {
  override readonly name = 'StoreBackloggedError';
}

export class Room {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;
  readonly peers = new Set<Peer>();
  private readonly tracker: ChangeTracker;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private editsSinceCompaction = 0;
  private retryDelay = 0;
  private closed = false;
  /** When the room last had a peer or an edit (for unloading idle rooms). */
  lastActive = Date.now();

  constructor(
    readonly playlistId: string,
    private readonly hooks: SyncHooks,
    private readonly logger: Logger,
    private readonly options: RoomOptions,
  ) {
    this.tracker = new ChangeTracker(this.doc);
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalState(null);
  }

  async load(): Promise<void> {
    const stored = await this.hooks.load(this.playlistId);
    for (const update of stored.updates) Y.applyUpdate(this.doc, update, LOAD);
    this.editsSinceCompaction = stored.editsSinceCompaction;
    this.doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) =>
      this.onUpdate(update, origin as Origin | undefined, transaction),
    );
    this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      const peer = this.peers.has(origin as Peer) ? (origin as Peer) : undefined;
      if (peer) {
        for (const id of [...added, ...updated]) peer.awarenessIds.add(id);
        for (const id of removed) peer.awarenessIds.delete(id);
      }
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
      this.broadcast(message((e) => writeAwareness(e, update)));
    });
  }

  get idle(): boolean {
    return this.peers.size === 0 && this.queue.length === 0 && this.flushing === undefined;
  }

  get unstored(): number {
    return this.queue.length;
  }

  join(peer: Peer): void {
    this.peers.add(peer);
    this.lastActive = Date.now();
    peer.send(message((e) => writeSyncStep1(e, this.doc)));
    if (this.awareness.getStates().size > 0) {
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]);
      peer.send(message((e) => writeAwareness(e, update)));
    }
  }

  leave(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    this.lastActive = Date.now();
    if (peer.awarenessIds.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...peer.awarenessIds], null);
  }

  /** A message from a peer. Throws StoreBackloggedError when edits cannot be taken now. */
  receive(peer: Peer, received: Message): void {
    this.lastActive = Date.now();
    switch (received.type) {
      case 'sync-step-1':
        peer.send(message((e) => writeSyncStep2(e, this.doc, received.stateVector)));
        return;
      case 'sync-step-2':
      case 'update':
        if (!peer.canWrite) {
          this.options.onDropped?.('viewer');
          return;
        }
        if (this.queue.length >= this.options.maxQueuedEdits) throw new StoreBackloggedError('edits cannot be stored right now');
        Y.applyUpdate(this.doc, received.update, { kind: 'client', peer } satisfies Origin);
        return;
      case 'awareness':
        awarenessProtocol.applyAwarenessUpdate(this.awareness, received.update, peer);
        return;
      case 'query-awareness': {
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]);
        peer.send(message((e) => writeAwareness(e, update)));
        return;
      }
    }
  }

  /** An edit made by the server on behalf of `actorId` (HTTP routes); resolves once it is stored. */
  edit<T>(actorId: string, change: (doc: Y.Doc) => T): Promise<{ result: T; position: string | undefined }> {
    this.lastActive = Date.now();
    return new Promise((resolve, reject) => {
      let result!: T;
      const origin: Origin = {
        kind: 'http',
        actorId,
        queued: false,
        waiter: { resolve: (position) => resolve({ result, position }), reject },
      };
      try {
        this.doc.transact(() => {
          result = change(this.doc);
        }, origin);
      } catch (error) {
        reject(error);
        return;
      }
      if (!origin.queued) resolve({ result, position: undefined }); // it changed nothing
    });
  }

  /** An update that is already stored (read back from the store, or sent by another node). */
  applyStored(update: Uint8Array, from: 'store' | 'fanout'): void {
    Y.applyUpdate(this.doc, update, from === 'store' ? STORE : FANOUT);
  }

  private onUpdate(update: Uint8Array, origin: Origin | undefined, transaction: Y.Transaction): void {
    const changes = this.tracker.take(transaction);
    if (origin?.kind === 'client') {
      this.enqueue({ update, changes, actorId: origin.peer.userId, peer: origin.peer });
    } else if (origin?.kind === 'http') {
      origin.queued = true;
      this.enqueue({ update, changes, actorId: origin.actorId, waiter: origin.waiter });
    } else if (origin?.kind === 'store' || origin?.kind === 'fanout') {
      this.broadcast(message((e) => writeUpdate(e, update)));
    }
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  /** Stores what is queued, then relays it; again while more arrived meanwhile. */
  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.splice(0);
      const edits = this.merge(batch);
      const started = performance.now();
      let position: string;
      try {
        position = await this.hooks.store(this.playlistId, edits);
      } catch (error) {
        if (this.retryDelay === 0) this.logger.warn({ err: error, playlistId: this.playlistId }, 'sync: storing edits failed; retrying');
        this.queue.unshift(...batch);
        this.retryDelay = Math.min(Math.max(this.retryDelay * 2, 50), 2_000);
        await new Promise((r) => setTimeout(r, this.retryDelay));
        continue;
      }
      if (this.retryDelay > 0) this.logger.info({ playlistId: this.playlistId }, 'sync: storing edits again');
      this.retryDelay = 0;
      this.options.onStored?.(edits.length, performance.now() - started);
      for (const item of batch) {
        this.broadcast(message((e) => writeUpdate(e, item.update)), item.peer);
        item.waiter?.resolve(position);
      }
      for (const edit of edits) this.hooks.publish?.(this.playlistId, edit.update);
      this.editsSinceCompaction += edits.length;
      if (this.editsSinceCompaction >= this.options.compactEvery) await this.compact();
    }
    if (this.closed) for (const item of this.queue.splice(0)) item.waiter?.reject(new Error('the sync server is closing'));
  }

  /** Consecutive edits of one actor become one stored edit, up to a size. */
  private merge(batch: readonly Pending[]): Edit[] {
    const edits: Edit[] = [];
    let group: Pending[] = [];
    let bytes = 0;
    const close = () => {
      if (group.length === 0) return;
      edits.push({
        update: group.length === 1 ? group[0]!.update : Y.mergeUpdates(group.map((p) => p.update)),
        changes: group.flatMap((p) => p.changes),
        actorId: group[0]!.actorId,
      });
      group = [];
      bytes = 0;
    };
    for (const item of batch) {
      if (group.length > 0 && (group[0]!.actorId !== item.actorId || bytes + item.update.length > this.options.maxEditBytes)) close();
      group.push(item);
      bytes += item.update.length;
    }
    close();
    return edits;
  }

  private async compact(): Promise<void> {
    try {
      await this.hooks.compact(this.playlistId, Y.encodeStateAsUpdate(this.doc));
      this.editsSinceCompaction = 0;
    } catch (error) {
      this.logger.warn({ err: error, playlistId: this.playlistId }, 'sync: compaction failed (will try again later)');
    }
  }

  private broadcast(frame: Uint8Array, except?: Peer): void {
    for (const peer of this.peers) if (peer !== except) peer.send(frame);
  }

  /** Waits until everything queued is stored (or the room is closed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  close(): void {
    this.closed = true;
    this.awareness.destroy();
    this.doc.destroy();
  }
}
