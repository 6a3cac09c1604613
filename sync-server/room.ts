/**
 * One playlist's document in memory, with the peers connected to it.
 *
 * An edit (from a client, or from the HTTP routes) is applied to the document and relayed at once
 * — to the other peers here and, through the `publish` hook, to other nodes — and queued to be
 * stored right behind (DESIGN.md section 5): the node's StoreQueue takes the queued edits of every
 * room into one append (group commit across documents). Relaying first loses nothing: every client
 * keeps its edits and sends the server whatever it lacks when it reconnects. An HTTP edit is
 * answered only once it is stored. Updates that come from the store or from other nodes are only
 * relayed here, never stored or published again (unless one releases a client's edit that waited
 * for it). Transactions carry their origin ('client' | 'http' | 'store' | 'fanout').
 */
import type { Logger } from 'pino';
import * as Y from 'yjs';
import { ChangeTracker } from '../domain/playlist/document.js';
import { trackIdsIn } from '../domain/playlist/document-rules.js';
import { DomainError } from '../domain/shared/errors.js';
import { textProblem } from '../application/text.js';
import * as awarenessProtocol from 'y-protocols/awareness';
import { Backoff } from '../gateways/backoff.js';
import { ownAwareness, releaseAwareness } from './awareness.js';
import { EditGate, EditRefusedError, type GateLimits } from './edit-gate.js';
import type { Edit, SyncHooks } from './hooks.js';
import { message, writeAwareness, writeSyncStep1, writeSyncStep2, writeUpdate, type DecodedStructs, type Message } from './protocol.js';
import { StoreBackloggedError, type Pending, type StoreQueue } from './store-queue.js';

export { StoreBackloggedError } from './store-queue.js';

/** A connected client, as the room sees it. */
export interface Peer {
  readonly userId: string;
  canWrite: boolean;
  /** Awareness client ids this peer controls (removed when it leaves). */
  readonly awarenessIds: Set<number>;
  send(message: Uint8Array): void;
}

type Origin =
  | { kind: 'client'; peer: Peer }
  | { kind: 'http'; actorId: string; waiter: NonNullable<Pending['waiter']>; queued: boolean }
  | { kind: 'store' }
  | { kind: 'fanout' };

/** A compaction that was not stored is tried again after this (doubling up to 30 s) if no edit comes first. */
const COMPACT_RETRY = { minMs: 1_000, maxMs: 30_000 };

const STORE: Origin = { kind: 'store' };
const FANOUT: Origin = { kind: 'fanout' };

/** The tracks of the catalog, as far as the server knows them (looked up through a hook). */
export interface TrackLookup {
  known(trackId: string): boolean;
  /** Looks the tracks up (afterwards `known` answers for them). */
  lookup(trackIds: readonly string[]): Promise<void>;
}

export interface RoomOptions {
  /** Store a compaction after this many stored edits (default 500). */
  compactEvery: number;
  /** Largest merged update stored as one edit. */
  maxEditBytes: number;
  /** What an edit may do to the document (edit-gate.ts). */
  gate: GateLimits;
  tracks: TrackLookup;
  onDropped?: (reason: 'viewer') => void;
  /** Awareness client ids one peer may own (awareness.ts). */
  maxAwarenessIds: number;
  /** Entries of a peer's awareness update dropped (another user's client id, or past its cap). */
  onAwarenessDropped?: (entries: number) => void;
  /** An update read back from the stored events brought something the document lacked (the fan-out had not). */
  onFilled?: () => void;
}

export class Room {
  /** The peers' awareness states (a document of its own: the room's is replaced after a refused edit). */
  readonly awareness = new awarenessProtocol.Awareness(new Y.Doc());
  readonly peers = new Set<Peer>();
  /** Which peer owns each awareness client id (awareness.ts). */
  private readonly awarenessOwners = new Map<number, Peer>();
  private tracker!: ChangeTracker;
  private gate!: EditGate; // the document, which every edit reaches through the rules
  /** Edits applied here and not yet handed to the store, oldest first. */
  private queue: Pending[] = [];
  /** Edits handed to the store and not yet answered. */
  private storing = 0;
  /** Taken edits whose HTTP callers wait for the store call under way. */
  private readonly awaited = new Set<Pending>();
  private editsSinceCompaction = 0;
  /** Bytes of the edits stored since the last compaction, and of the state it (or the load) had. */
  private bytesSinceCompaction = 0;
  private stateBytes = 0;
  private compacting: Promise<void> | undefined;
  private compactRetry: NodeJS.Timeout | undefined;
  private readonly compactBackoff = new Backoff(COMPACT_RETRY);
  private closed = false;
  /** When the room last had a peer or an edit (for unloading idle rooms). */
  lastActive = Date.now();

  constructor(
    readonly playlistId: string,
    private readonly hooks: SyncHooks,
    private readonly store: StoreQueue,
    private readonly logger: Logger,
    private readonly options: RoomOptions,
  ) {
    this.awareness.setLocalState(null);
  }

  /** The playlist's document (replaced after a refused edit: do not keep it). */
  get doc(): Y.Doc {
    return this.gate.doc;
  }

  async load(): Promise<void> {
    const stored = await this.hooks.load(this.playlistId);
    this.editsSinceCompaction = stored.editsSinceCompaction;
    this.stateBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0);
    this.gate = new EditGate(stored.updates, this.options.gate, textProblem, {
      accepted: (update, origin, transaction, echo, released) => this.onUpdate(update, origin as Origin | undefined, transaction, echo, released),
      replaced: (doc) => (this.tracker = new ChangeTracker(doc)),
    });
    this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      const changed = [...added, ...updated, ...removed];
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
      this.broadcast(message((e) => writeAwareness(e, update)));
    });
  }

  /** No peers, and every edit stored (or refused). */
  get idle(): boolean {
    return this.peers.size === 0 && this.unstored === 0 && this.compacting === undefined;
  }

  /** Edits applied here that are not stored yet (queued or being stored). */
  get unstored(): number {
    return this.queue.length + this.storing;
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
    const owned = releaseAwareness(peer, this.awarenessOwners);
    if (owned.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, owned, null);
  }

  /**
   * A message from a peer. An update whose tracks must be looked up first returns a promise: the
   * caller hands this room that peer's next message once it settles (messages apply in order).
   * Throws (or rejects with) EditRefusedError for an edit the document's rules refuse.
   */
  receive(peer: Peer, received: Message): void | Promise<void> {
    this.lastActive = Date.now();
    switch (received.type) {
      case 'sync-step-1':
        peer.send(message((e) => this.gate.settled((doc) => writeSyncStep2(e, doc, received.stateVector))));
        return;
      case 'sync-step-2':
      case 'update':
        if (!peer.canWrite) {
          this.options.onDropped?.('viewer');
          return;
        }
        return this.receiveUpdate(peer, received.update, received.structs);
      case 'awareness': {
        const owned = ownAwareness(received.update, peer, this.awarenessOwners, this.options.maxAwarenessIds, this.awareness.clientID, (id) =>
          this.awareness.meta.get(id)?.clock,
        );
        if (owned.dropped > 0) this.options.onAwarenessDropped?.(owned.dropped);
        if (owned.update) awarenessProtocol.applyAwarenessUpdate(this.awareness, owned.update, peer);
        return;
      }
      case 'query-awareness': {
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]);
        peer.send(message((e) => writeAwareness(e, update)));
        return;
      }
    }
  }

  private receiveUpdate(peer: Peer, update: Uint8Array, structs: DecodedStructs): void | Promise<void> {
    const clients = new Set(structs.map((struct) => struct.id.client));
    const unknown = trackIdsIn(structs).filter((trackId) => !this.options.tracks.known(trackId));
    if (unknown.length === 0) return this.applyClientUpdate(peer, update, clients);
    return this.options.tracks.lookup(unknown).then(() => {
      if (this.peers.has(peer) && !this.closed) this.applyClientUpdate(peer, update, clients);
    });
  }

  private applyClientUpdate(peer: Peer, update: Uint8Array, clients: ReadonlySet<number>): void {
    const trackExists = (trackId: string) => this.options.tracks.known(trackId);
    this.gate.receive(update, { userId: peer.userId, clients, trackExists }, Date.now(), { kind: 'client', peer } satisfies Origin);
  }

  /**
   * An edit made by the server on behalf of `actorId` (HTTP routes); resolves once it is stored.
   * Refused at once (StoreBackloggedError) while the store is behind.
   */
  edit<T>(actorId: string, change: (doc: Y.Doc) => T): Promise<{ result: T; position: string | undefined }> {
    this.lastActive = Date.now();
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new StoreBackloggedError('the sync server is closing'));
      if (this.store.backlogged) return reject(new StoreBackloggedError('edits cannot be stored right now: the store is behind'));
      let result!: T;
      const origin: Origin = {
        kind: 'http',
        actorId,
        queued: false,
        waiter: { resolve: (position) => resolve({ result, position }), reject },
      };
      try {
        result = this.gate.change(actorId, change, Date.now(), origin);
      } catch (error) {
        reject(error instanceof EditRefusedError ? new DomainError('VALIDATION_FAILED', error.message) : error);
        return;
      }
      if (!origin.queued) resolve({ result, position: undefined }); // it changed nothing
    });
  }

  /**
   * An update made elsewhere (read back from the store, or sent by another node): relayed, never
   * stored here. One the document has already (the usual case for the store's copy, which the
   * fan-out brought first) changes nothing and is not relayed.
   */
  applyStored(update: Uint8Array, from: 'store' | 'fanout'): void {
    this.gate.follow(update, from === 'store' ? STORE : FANOUT);
  }

  /** A transaction the rules accepted (edit-gate.ts, GateHooks#accepted). */
  private onUpdate(update: Uint8Array, origin: Origin | undefined, transaction: Y.Transaction, echo: boolean, released: string | undefined): void {
    const changes = this.tracker.take(transaction);
    if (origin?.kind === 'client' || origin?.kind === 'http') {
      const frame = message((e) => writeUpdate(e, update));
      if (origin.kind === 'client') {
        this.broadcast(frame, echo ? undefined : origin.peer);
        this.enqueue({ update, changes, actorId: origin.peer.userId, peer: origin.peer, at: performance.now() });
      } else {
        origin.queued = true;
        this.broadcast(frame);
        this.enqueue({ update, changes, actorId: origin.actorId, waiter: origin.waiter, at: performance.now() });
      }
      this.hooks.publish?.(this.playlistId, update);
      return;
    }
    if (origin?.kind === 'store') this.options.onFilled?.();
    if (origin?.kind === 'store' || origin?.kind === 'fanout') {
      this.broadcast(message((e) => writeUpdate(e, update)));
      if (released === undefined) return;
      // A client's edit that waited for this update: stored and published like one (with what released it).
      this.enqueue({ update, changes, actorId: released, at: performance.now() });
      this.hooks.publish?.(this.playlistId, update);
    }
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    this.store.add(this, pending);
  }

  /**
   * The edits to store next, taken off the queue: consecutive edits of one actor merged into one
   * edit, up to maxEditBytes. Each edit keeps the pending items it stands for.
   */
  take(): Array<{ edit: Edit; items: Pending[] }> {
    const batch = this.queue.splice(0);
    this.storing += batch.length;
    for (const item of batch) if (item.waiter) this.awaited.add(item);
    const out: Array<{ edit: Edit; items: Pending[] }> = [];
    let group: Pending[] = [];
    let bytes = 0;
    const close = () => {
      if (group.length === 0) return;
      out.push({
        items: group,
        edit: {
          update: group.length === 1 ? group[0]!.update : Y.mergeUpdates(group.map((p) => p.update)),
          changes: group.flatMap((p) => p.changes),
          actorId: group[0]!.actorId,
        },
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
    return out;
  }

  /** Taken edits could not be stored now (the store failed): they go back to the front of the queue. */
  putBack(items: readonly Pending[]): void {
    this.storing -= items.length;
    for (const item of items) this.awaited.delete(item);
    this.queue.unshift(...items);
  }

  /**
   * Taken edits are stored at `position`: HTTP callers are answered. A compaction follows every
   * compactEvery edits — once those edits also add up to a quarter of the last compaction's size,
   * so that a large document fed by small edits is not restated over and over (a compaction stores
   * the whole state: the store would grow by many times what the edits hold).
   */
  stored(items: readonly Pending[], edits: number, position: string): void {
    this.storing -= items.length;
    for (const item of items) {
      this.awaited.delete(item);
      item.waiter?.resolve(position);
      this.bytesSinceCompaction += item.update.byteLength;
    }
    this.editsSinceCompaction += edits;
    this.maybeCompact();
  }

  /**
   * Starts a compaction when enough has been stored since the last one. One that was not stored
   * (edits kept landing, or the store failed) is tried again by the next stored batch or, if none
   * comes (the last edits landed while it ran), by a timer.
   */
  private maybeCompact(): void {
    if (
      this.editsSinceCompaction < this.options.compactEvery ||
      this.bytesSinceCompaction < this.stateBytes / 4 ||
      this.compacting !== undefined ||
      this.closed
    ) {
      return;
    }
    clearTimeout(this.compactRetry);
    const state = this.gate.settled((doc) => Y.encodeStateAsUpdate(doc));
    const counted = { edits: this.editsSinceCompaction, bytes: this.bytesSinceCompaction, stateBytes: this.stateBytes };
    this.editsSinceCompaction = 0;
    this.bytesSinceCompaction = 0;
    this.stateBytes = state.byteLength;
    const retryLater = (): void => {
      this.editsSinceCompaction += counted.edits;
      this.bytesSinceCompaction += counted.bytes;
      this.stateBytes = counted.stateBytes;
      if (this.closed) return;
      this.compactRetry = setTimeout(() => this.maybeCompact(), this.compactBackoff.next());
      this.compactRetry.unref();
    };
    this.compacting = this.hooks
      .compact(this.playlistId, state)
      .then((stored) => {
        if (stored) this.compactBackoff.reset();
        else retryLater();
      })
      .catch((error: unknown) => {
        retryLater();
        this.logger.warn({ err: error, playlistId: this.playlistId }, 'sync: compaction failed (will try again later)');
      })
      .finally(() => (this.compacting = undefined));
  }

  /** Taken edits were refused for good (the store would refuse them again): they are dropped. */
  refused(items: readonly Pending[], error: Error): void {
    this.storing -= items.length;
    for (const item of items) {
      this.awaited.delete(item);
      item.waiter?.reject(error);
    }
  }

  private broadcast(frame: Uint8Array, except?: Peer): void {
    for (const peer of this.peers) if (peer !== except) peer.send(frame);
  }

  /** Gives up what is not stored (the node is closing): HTTP callers get an error, clients send it again when they reconnect. */
  abandon(): number {
    const dropped = this.queue.splice(0);
    // Relayed already: connected clients hold the edit and send it again when they reconnect.
    const error = new StoreBackloggedError('the sync server closed before it stored this edit; clients that received it may still store it: read the playlist before sending it again');
    for (const item of dropped) item.waiter?.reject(error);
    // Also the callers of the store call under way: it may end only when the node's connections are
    // cancelled, after the HTTP server closes. Its outcome is unknown here: the same answer.
    for (const item of this.awaited) item.waiter?.reject(error);
    this.awaited.clear();
    return dropped.length;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.compactRetry);
    this.gate?.destroy();
    this.awareness.destroy();
  }
}
