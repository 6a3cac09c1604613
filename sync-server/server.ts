/**
 * The Yjs WebSocket sync server: `ws://HOST/v1/sync/playlists/<playlistId>?token=...`, wire
 * compatible with the stock y-websocket client.
 *
 * Auth and access are decided at the HTTP upgrade, before the socket opens (401, 404, 403, and 503
 * when this node is full), so a refused client does not reconnect in a loop. Once open: a maximum
 * message size (close 1009), a bounded send buffer (a slow client is closed with 1013 and resyncs
 * when it comes back), ping/pong liveness, malformed frames closed with 1007 or 1003. Access that
 * is taken away later (collaborator removed, playlist deleted or made private) closes the socket
 * with 4403 or 4404, which y-websocket 3.1 clients treat as final.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type * as Y from 'yjs';
import type { Access, SyncHooks } from './hooks.js';
import { ProtocolError, readMessage } from './protocol.js';
import { createMetrics } from './metrics.js';
import { Room, type Peer, type TrackLookup } from './room.js';
import { EditRefusedError } from './edit-gate.js';
import { EditLimiter } from './edit-limiter.js';
import { trackLookup } from './tracks.js';
import { SYNC_PATH, parseTarget, refuse } from './upgrade.js';
import { CLOSE, DEFAULT_LIMITS, type SyncLimits } from './limits.js';
import { StoreBackloggedError, StoreQueue } from './store-queue.js';
import { Rooms } from './rooms.js';
import { parseBearer } from '../application/tokens/bearer.js';

export { SYNC_PATH, parseTarget, refuse } from './upgrade.js';
export { CLOSE, DEFAULT_LIMITS, type SyncLimits } from './limits.js';


interface Connection extends Peer {
  socket: WebSocket;
  room: Room;
  alive: boolean;
  /** Messages that arrived while an earlier one waited (for a track lookup): handled in order. */
  waiting?: Buffer[];
}

/** Messages one connection may have waiting behind a track lookup. */
const MAX_WAITING_MESSAGES = 1_000;

export class SyncServer {
  private readonly wss: WebSocketServer;
  private readonly rooms: Rooms;
  private readonly connections = new Set<Connection>();
  private readonly limits: SyncLimits;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly unloadTimer: NodeJS.Timeout;
  private readonly metrics: ReturnType<typeof createMetrics>;
  private readonly store: StoreQueue;
  private readonly tracks: TrackLookup;
  private readonly edits: EditLimiter;
  /** Open connections of each user on this node. */
  private readonly userConnections = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly hooks: SyncHooks,
    private readonly logger: Logger,
    options: { limits?: Partial<SyncLimits>; registry?: Registry } = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the gauges read this server later
    const server = this;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxMessageBytes, perMessageDeflate: false });
    this.store = new StoreQueue(hooks, logger, {
      maxUnstoredBytes: this.limits.maxUnstoredBytes,
      maxUnstoredEdits: this.limits.maxUnstoredEdits,
      intervalMs: this.limits.storeIntervalMs,
      onStored: (edits, ms, lags) => {
        this.metrics.storeSeconds.observe(ms / 1000);
        this.metrics.storedEdits.inc(edits);
        for (const lag of lags) this.metrics.storeLagSeconds.observe(lag / 1000);
      },
      onRefused: (playlistId, items) => {
        this.metrics.refusedEdits.inc(items.length);
        for (const item of items) {
          const peer = item.peer as Connection | undefined;
          if (peer && this.connections.has(peer)) this.disconnect(peer, CLOSE.EDIT_REFUSED, 'an edit could not be stored');
        }
        this.logger.info({ playlistId, edits: items.length }, 'sync: refused edits dropped');
      },
      onBacklog: (backlogged) => {
        if (backlogged) this.metrics.backlogs.inc();
        for (const connection of this.connections) {
          if (backlogged) connection.socket.pause();
          else connection.socket.resume();
        }
      },
    });
    this.metrics = createMetrics(options.registry, { get connectionCount() { return server.connectionCount; }, get roomCount() { return server.roomCount; }, get unstored() { return server.store.unstored; }, get backlogged() { return server.store.backlogged; } });
    this.tracks = trackLookup(hooks);
    this.rooms = new Rooms(
      (playlistId) =>
        new Room(playlistId, hooks, this.store, logger, {
          compactEvery: this.limits.compactEvery,
          maxEditBytes: Math.floor(this.limits.maxMessageBytes),
          gate: this.limits,
          tracks: this.tracks,
          onDropped: () => this.metrics.droppedEdits.inc(),
          maxAwarenessIds: this.limits.maxAwarenessPerConnection,
          onAwarenessDropped: (entries) => this.metrics.limited.inc({ limit: 'awareness' }, entries),
          onFilled: () => this.metrics.storeFills.inc(),
        }),
      logger,
    );
    this.edits = new EditLimiter(this.limits.editsPerSecond, this.limits.editBurst, hooks.countEdits, (error) =>
      this.logger.warn({ err: error }, 'sync: the shared edit count could not be reached; edits are limited per node meanwhile'),
    );
    this.pingTimer = setInterval(() => this.ping(), this.limits.pingIntervalMs);
    this.unloadTimer = setInterval(() => this.unloadIdle(), Math.min(this.limits.idleUnloadMs, 5_000));
    this.pingTimer.unref();
    this.unloadTimer.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get roomCount(): number {
    return this.rooms.loaded.size;
  }

  /** Whether this server answers the upgrade of `request` (its path). */
  handles(request: IncomingMessage): boolean {
    return (request.url ?? '').startsWith(SYNC_PATH);
  }

  /**
   * Hand an HTTP upgrade to the server (from `server.on('upgrade')`). Never rejects: whatever the
   * request holds, it is answered (an HTTP refusal or an open socket) and the error is logged.
   */
  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      await this.upgrade(request, socket, head);
    } catch (error) {
      this.logger.error({ err: error }, 'sync: upgrade failed');
      refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'the document could not be opened; retry');
    }
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = parseTarget(request.url);
    if (!target) return refuse(socket, 404, 'PLAYLIST_NOT_FOUND', 'no such playlist');
    const { playlistId, token: queryToken } = target;
    if (this.closing) return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'the server is shutting down');
    const principal = await this.hooks.authenticate(queryToken ?? parseBearer(request.headers.authorization));
    if (!principal) return refuse(socket, 401, 'UNAUTHENTICATED', 'a valid token is required (?token=...)');
    if (this.userAtConnectionCap(principal.userId)) return this.refuseConnectionCap(socket);
    const access = await this.hooks.access(playlistId, principal.userId);
    if (access.kind === 'not_found') return refuse(socket, 404, 'PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
    if (access.kind === 'forbidden') return refuse(socket, 403, 'FORBIDDEN', `no access to playlist ${playlistId}`);
    if (this.connections.size >= this.limits.maxConnections) return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'this node has too many connections; try another or retry later');
    if (!this.rooms.loaded.has(playlistId) && this.rooms.loaded.size >= this.limits.maxRooms) {
      return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'this node has too many documents open; try another or retry later');
    }
    const room = await this.room(playlistId);
    // Checked again after the awaits (other upgrades of this user may have opened meanwhile).
    if (this.userAtConnectionCap(principal.userId)) return this.refuseConnectionCap(socket);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(ws, room, principal.userId, access.canWrite));
  }

  private userAtConnectionCap(userId: string): boolean {
    return (this.userConnections.get(userId) ?? 0) >= this.limits.maxConnectionsPerUser;
  }

  private refuseConnectionCap(socket: Duplex): void {
    this.metrics.limited.inc({ limit: 'connections' });
    refuse(socket, 429, 'RATE_LIMITED', `a user may hold at most ${this.limits.maxConnectionsPerUser} sync connections on a node; close one or retry later`);
  }

  /** The room of a playlist, loaded from the store if needed. */
  room(playlistId: string): Promise<Room> {
    return this.rooms.room(playlistId);
  }

  /** An edit by the server on behalf of `actorId` (the HTTP item routes); resolves once stored. */
  async edit<T>(playlistId: string, actorId: string, change: (doc: Y.Doc) => T): Promise<{ result: T; position: string | undefined }> {
    if (this.closing) throw new StoreBackloggedError('the sync server is closing');
    const room = await this.room(playlistId);
    return room.edit(actorId, change);
  }

  /** The current document of a playlist (loaded if needed). */
  async document(playlistId: string): Promise<Y.Doc> {
    return (await this.room(playlistId)).doc;
  }

  /**
   * An update made on another node, from the Redis fan-out or from the stored events; `sentAt`
   * (ms since 1970 on the node that made it) feeds the fan-out latency histogram.
   */
  applyStored(playlistId: string, update: Uint8Array, from: 'store' | 'fanout', sentAt?: number): void {
    if (sentAt !== undefined) this.metrics.fanoutSeconds.observe({ path: from }, Math.max(0, Date.now() - sentAt) / 1_000);
    this.rooms.applyStored(playlistId, update, from);
  }

  /** Access to a playlist changed: check every socket on it again; close those that lost it. */
  async recheckAccess(playlistId: string): Promise<void> {
    const room = this.rooms.loaded.get(playlistId);
    if (!room) return;
    for (const peer of [...room.peers] as Connection[]) {
      let access: Access;
      try {
        access = await this.hooks.access(playlistId, peer.userId);
      } catch (error) {
        this.logger.warn({ err: error, playlistId }, 'sync: access check failed');
        continue;
      }
      if (access.kind === 'granted') peer.canWrite = access.canWrite;
      else this.disconnect(peer, access.kind === 'not_found' ? CLOSE.NOT_FOUND : CLOSE.FORBIDDEN, access.kind === 'not_found' ? 'playlist gone' : 'access revoked');
    }
  }

  private connect(socket: WebSocket, room: Room, userId: string, canWrite: boolean): void {
    const connection: Connection = {
      socket,
      room,
      userId,
      canWrite,
      alive: true,
      awarenessIds: new Set(),
      send: (frame) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > this.limits.maxBufferedBytes) {
          this.metrics.slowClosed.inc();
          this.disconnect(connection, CLOSE.TRY_AGAIN_LATER, 'too slow: reconnect to resync');
          return;
        }
        this.metrics.messagesOut.inc();
        socket.send(frame);
      },
    };
    this.connections.add(connection);
    this.userConnections.set(userId, (this.userConnections.get(userId) ?? 0) + 1);
    if (this.store.backlogged) socket.pause();
    socket.binaryType = 'nodebuffer';
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.metrics.messagesIn.inc();
      if (!isBinary) return this.disconnect(connection, CLOSE.UNSUPPORTED, 'binary frames only');
      if (!connection.waiting) return this.handle(connection, data);
      if (connection.waiting.length >= MAX_WAITING_MESSAGES) return this.disconnect(connection, CLOSE.TRY_AGAIN_LATER, 'too many messages at once');
      connection.waiting.push(data);
    });
    socket.on('close', () => this.forget(connection));
    socket.on('error', (error) => {
      // ws closes with 1009 itself when a message is over maxPayload.
      this.logger.info({ err: error, userId, playlistId: room.playlistId }, 'sync: socket error');
      this.forget(connection);
    });
    room.join(connection);
  }

  /** One message of a connection; one that waits (a track lookup) holds the next ones back until it is done. */
  private handle(connection: Connection, data: Buffer): void {
    let outcome: void | Promise<void>;
    try {
      const received = readMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if ((received.type === 'update' || received.type === 'sync-step-2') && connection.canWrite && !this.edits.take(connection.userId)) {
        this.metrics.limited.inc({ limit: 'edits' });
        return this.disconnect(connection, CLOSE.TOO_MANY_EDITS, 'too many edits a second: reconnect later');
      }
      outcome = connection.room.receive(connection, received);
    } catch (error) {
      return this.failed(connection, error);
    }
    if (!outcome) return;
    connection.waiting = [];
    outcome
      .catch((error: unknown) => this.failed(connection, error))
      .finally(() => {
        const waiting: Buffer[] = connection.waiting ?? [];
        connection.waiting = undefined;
        while (waiting.length > 0 && this.connections.has(connection)) {
          this.handle(connection, waiting.shift()!);
          const held = connection.waiting as Buffer[] | undefined;
          if (held) {
            // This one waits in turn: the rest go behind whatever arrives meanwhile, in order.
            held.unshift(...waiting);
            return;
          }
        }
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'sync: message handling failed'));
  }

  /** A message that could not be taken: the connection is closed with the code that says why. */
  private failed(connection: Connection, error: unknown): void {
    const context = { userId: connection.userId, playlistId: connection.room.playlistId };
    if (error instanceof ProtocolError) {
      this.metrics.badFrames.inc();
      this.logger.info({ ...context, reason: error.message }, 'sync: malformed frame; closing');
      return this.disconnect(connection, error.message.startsWith('unknown') ? CLOSE.UNSUPPORTED : CLOSE.INVALID_PAYLOAD, 'malformed message');
    }
    if (error instanceof EditRefusedError) {
      this.metrics.refusedUpdates.inc({ reason: error.kind });
      this.logger.info({ ...context, reason: error.message }, 'sync: update refused; closing');
      return this.disconnect(connection, error.kind === 'invalid' ? CLOSE.INVALID_EDIT : CLOSE.DOCUMENT_TOO_LARGE, error.message.slice(0, 120));
    }
    this.logger.warn({ err: error, ...context }, 'sync: message failed; closing');
    this.disconnect(connection, CLOSE.INVALID_PAYLOAD, 'message could not be applied');
  }

  private disconnect(connection: Connection, code: number, reason: string): void {
    this.forget(connection);
    connection.socket.close(code, reason);
    // A peer that does not answer the close handshake is cut.
    setTimeout(() => connection.socket.terminate(), 1_000).unref();
  }

  private forget(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    const open = (this.userConnections.get(connection.userId) ?? 1) - 1;
    if (open > 0) this.userConnections.set(connection.userId, open);
    else this.userConnections.delete(connection.userId);
    connection.room.leave(connection);
  }

  private ping(): void {
    // A paused socket reads nothing, pongs included: liveness waits until reading resumes.
    if (this.store.backlogged) return;
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.forget(connection);
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  /** Unloads rooms without peers whose edits are all stored. */
  private unloadIdle(): void {
    const now = Date.now();
    for (const [playlistId, room] of this.rooms.loaded) {
      if (room.idle && now - room.lastActive >= this.limits.idleUnloadMs) {
        this.rooms.loaded.delete(playlistId);
        room.close();
      }
    }
  }

  /**
   * Stops taking connections, closes every socket (1001), stores what is queued — waiting at most
   * closeTimeoutMs for the store, whatever it does — and closes every room. What the store has not
   * taken by then is given up here (HTTP callers get an error); the clients that made those edits
   * keep them and send them again when they reconnect.
   */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pingTimer);
    clearInterval(this.unloadTimer);
    this.edits.close();
    for (const connection of [...this.connections]) this.disconnect(connection, CLOSE.GOING_AWAY, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.store.drain().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.limits.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    this.store.close();
    if (!drained) {
      const unstored = [...this.rooms.loaded.values()].reduce((sum, room) => sum + room.abandon(), 0);
      this.logger.error(
        { unstoredEdits: unstored, timeoutMs: this.limits.closeTimeoutMs },
        'sync: the store did not take every edit in time; closing without them (their clients send them again when they reconnect)',
      );
    }
    for (const room of this.rooms.loaded.values()) room.close();
    this.rooms.loaded.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
