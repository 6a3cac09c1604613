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
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type * as Y from 'yjs';
import type { Access, SyncHooks } from './hooks.js';
import { ProtocolError, readMessage } from './protocol.js';
import { Room, StoreBackloggedError, type Peer } from './room.js';

export const SYNC_PATH = '/v1/sync/playlists/';

/** Close codes. 4400-4499 are final for y-websocket 3.1 clients: they stop reconnecting. */
export const CLOSE = {
  GOING_AWAY: 1001,
  UNSUPPORTED: 1003,
  INVALID_PAYLOAD: 1007,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
} as const;

export interface SyncLimits {
  /** Largest message accepted (bytes); larger ones close the socket with 1009. */
  maxMessageBytes: number;
  /** Send buffer beyond which a client is too slow and is closed. */
  maxBufferedBytes: number;
  maxRooms: number;
  maxConnections: number;
  pingIntervalMs: number;
  /** An idle room (no peers, nothing unstored) is unloaded after this long. */
  idleUnloadMs: number;
  compactEvery: number;
  maxQueuedEdits: number;
}

export const DEFAULT_LIMITS: SyncLimits = {
  maxMessageBytes: 256 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxRooms: 10_000,
  maxConnections: 20_000,
  pingIntervalMs: 30_000,
  idleUnloadMs: 30_000,
  compactEvery: 500,
  maxQueuedEdits: 10_000,
};

interface Connection extends Peer {
  socket: WebSocket;
  room: Room;
  alive: boolean;
}

export class SyncServer {
  private readonly wss: WebSocketServer;
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly connections = new Set<Connection>();
  private readonly limits: SyncLimits;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly unloadTimer: NodeJS.Timeout;
  private readonly metrics: ReturnType<typeof createMetrics>;
  private closing = false;

  constructor(
    private readonly hooks: SyncHooks,
    private readonly logger: Logger,
    options: { limits?: Partial<SyncLimits>; registry?: Registry } = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxMessageBytes, perMessageDeflate: false });
    this.metrics = createMetrics(options.registry, this);
    this.pingTimer = setInterval(() => this.ping(), this.limits.pingIntervalMs);
    this.unloadTimer = setInterval(() => void this.unloadIdle(), Math.min(this.limits.idleUnloadMs, 5_000));
    this.pingTimer.unref();
    this.unloadTimer.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** Whether this server answers the upgrade of `request` (its path). */
  handles(request: IncomingMessage): boolean {
    return (request.url ?? '').startsWith(SYNC_PATH);
  }

  /** Hand an HTTP upgrade to the server (from `server.on('upgrade')`). */
  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    const playlistId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length));
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/.test(playlistId)) return refuse(socket, 404, 'PLAYLIST_NOT_FOUND', 'no such playlist');
    if (this.closing) return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'the server is shutting down');
    try {
      const principal = await this.hooks.authenticate(url.searchParams.get('token') ?? bearer(request.headers.authorization));
      if (!principal) return refuse(socket, 401, 'UNAUTHENTICATED', 'a valid token is required (?token=...)');
      const access = await this.hooks.access(playlistId, principal.userId);
      if (access.kind === 'not_found') return refuse(socket, 404, 'PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
      if (access.kind === 'forbidden') return refuse(socket, 403, 'FORBIDDEN', `no access to playlist ${playlistId}`);
      if (this.connections.size >= this.limits.maxConnections) return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'this node has too many connections; try another or retry later');
      if (!this.rooms.has(playlistId) && this.rooms.size >= this.limits.maxRooms) {
        return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'this node has too many documents open; try another or retry later');
      }
      const room = await this.room(playlistId);
      this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(ws, room, principal.userId, access.canWrite));
    } catch (error) {
      this.logger.error({ err: error, playlistId }, 'sync: upgrade failed');
      refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'the document could not be opened; retry');
    }
  }

  /** The room of a playlist, loaded from the store if needed. */
  async room(playlistId: string): Promise<Room> {
    const loaded = this.rooms.get(playlistId);
    if (loaded) return loaded;
    let pending = this.loading.get(playlistId);
    if (!pending) {
      const room = new Room(playlistId, this.hooks, this.logger, {
        compactEvery: this.limits.compactEvery,
        maxEditBytes: Math.floor(this.limits.maxMessageBytes),
        maxQueuedEdits: this.limits.maxQueuedEdits,
        onStored: (edits, ms) => {
          this.metrics.storeSeconds.observe(ms / 1000);
          this.metrics.storedEdits.inc(edits);
        },
        onDropped: () => this.metrics.droppedEdits.inc(),
      });
      pending = room.load().then(() => {
        this.rooms.set(playlistId, room);
        return room;
      });
      this.loading.set(playlistId, pending);
      pending.finally(() => this.loading.delete(playlistId)).catch(() => undefined);
    }
    return pending;
  }

  /** An edit by the server on behalf of `actorId` (the HTTP item routes); resolves once stored. */
  async edit<T>(playlistId: string, actorId: string, change: (doc: Y.Doc) => T): Promise<{ result: T; position: string | undefined }> {
    const room = await this.room(playlistId);
    return room.edit(actorId, change);
  }

  /** The current document of a playlist (loaded if needed). */
  async document(playlistId: string): Promise<Y.Doc> {
    return (await this.room(playlistId)).doc;
  }

  /** A stored update of another node or read back from the store: applied if the room is loaded. */
  /**
   * An update made on another node, from the Redis fan-out or from the stored events; `sentAt`
   * (ms since 1970 on the node that made it) feeds the fan-out latency histogram.
   */
  applyStored(playlistId: string, update: Uint8Array, from: 'store' | 'fanout', sentAt?: number): void {
    if (sentAt !== undefined) this.metrics.fanoutSeconds.observe({ path: from }, Math.max(0, Date.now() - sentAt) / 1_000);
    const room = this.rooms.get(playlistId);
    if (!room) {
      // Loading: the load may have read the stream before this update was stored.
      this.loading.get(playlistId)?.then(() => this.applyStored(playlistId, update, from)).catch(() => undefined);
      return;
    }
    try {
      room.applyStored(update, from);
    } catch (error) {
      this.logger.warn({ err: error, playlistId }, 'sync: a stored update did not apply');
    }
  }

  /** Access to a playlist changed: check every socket on it again; close those that lost it. */
  async recheckAccess(playlistId: string): Promise<void> {
    const room = this.rooms.get(playlistId);
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
    socket.binaryType = 'nodebuffer';
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.metrics.messagesIn.inc();
      if (!isBinary) return this.disconnect(connection, CLOSE.UNSUPPORTED, 'binary frames only');
      try {
        room.receive(connection, readMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
      } catch (error) {
        if (error instanceof ProtocolError) {
          this.metrics.badFrames.inc();
          this.logger.info({ userId, playlistId: room.playlistId, reason: error.message }, 'sync: malformed frame; closing');
          return this.disconnect(connection, error.message.startsWith('unknown') ? CLOSE.UNSUPPORTED : CLOSE.INVALID_PAYLOAD, 'malformed message');
        }
        if (error instanceof StoreBackloggedError) return this.disconnect(connection, CLOSE.TRY_AGAIN_LATER, error.message);
        this.logger.warn({ err: error, userId, playlistId: room.playlistId }, 'sync: message failed; closing');
        this.disconnect(connection, CLOSE.INVALID_PAYLOAD, 'message could not be applied');
      }
    });
    socket.on('close', () => this.forget(connection));
    socket.on('error', (error) => {
      // ws closes with 1009 itself when a message is over maxPayload.
      this.logger.info({ err: error, userId, playlistId: room.playlistId }, 'sync: socket error');
      this.forget(connection);
    });
    room.join(connection);
  }

  private disconnect(connection: Connection, code: number, reason: string): void {
    this.forget(connection);
    connection.socket.close(code, reason);
    // A peer that does not answer the close handshake is cut.
    setTimeout(() => connection.socket.terminate(), 1_000).unref();
  }

  private forget(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    connection.room.leave(connection);
  }

  private ping(): void {
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
  private async unloadIdle(): Promise<void> {
    const now = Date.now();
    for (const [playlistId, room] of this.rooms) {
      if (room.idle && now - room.lastActive >= this.limits.idleUnloadMs) {
        this.rooms.delete(playlistId);
        room.close();
      }
    }
  }

  /** Stops taking connections, stores what is queued, closes every socket (1001) and room. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pingTimer);
    clearInterval(this.unloadTimer);
    for (const connection of [...this.connections]) this.disconnect(connection, CLOSE.GOING_AWAY, 'server shutting down');
    await Promise.all([...this.rooms.values()].map((room) => room.drain()));
    for (const room of this.rooms.values()) room.close();
    this.rooms.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** Answers the upgrade with an HTTP error, before any WebSocket exists. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function createMetrics(registry: Registry | undefined, server: SyncServer) {
  const registers = registry ? [registry] : [];
  return {
    messagesIn: new Counter({ name: 'chorus_sync_messages_in_total', help: 'WebSocket messages received', registers }),
    messagesOut: new Counter({ name: 'chorus_sync_messages_out_total', help: 'WebSocket messages sent', registers }),
    badFrames: new Counter({ name: 'chorus_sync_bad_frames_total', help: 'Malformed frames (connection closed)', registers }),
    slowClosed: new Counter({ name: 'chorus_sync_slow_clients_closed_total', help: 'Clients closed for a full send buffer', registers }),
    droppedEdits: new Counter({ name: 'chorus_sync_viewer_edits_dropped_total', help: 'Edits of read-only clients, dropped', registers }),
    storedEdits: new Counter({ name: 'chorus_sync_edits_stored_total', help: 'PlaylistEdited events stored', registers }),
    storeSeconds: new Histogram({
      name: 'chorus_sync_store_seconds',
      help: 'Time to store a batch of edits',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    fanoutSeconds: new Histogram({
      name: 'chorus_sync_fanout_seconds',
      help: 'From an update made on another node to its arrival here, by path (fanout: Redis pub/sub; store: the stored events). Across machines it includes their clock difference.',
      labelNames: ['path'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers,
    }),
    connections: new Gauge({ name: 'chorus_sync_connections', help: 'Open WebSocket connections', registers, collect() { this.set(server.connectionCount); } }),
    rooms: new Gauge({ name: 'chorus_sync_documents_loaded', help: 'Playlist documents in memory', registers, collect() { this.set(server.roomCount); } }),
  };
}
