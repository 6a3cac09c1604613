/**
 * The player socket: `ws://HOST/v1/sync/player?token=...&deviceId=...` (PROTOCOL.md, "Player
 * socket"). Every device of a user connected here gets the player's state whenever it changes,
 * the active device the instructions it must carry out, and a device that lost the player `stop`.
 * Devices send commands on it too.
 *
 * Like the playlist socket: auth and the device are decided at the HTTP upgrade (401, 400, 404,
 * 403, 503) before a socket exists; once open, a maximum message size (1009), a bounded send buffer
 * (1013), ping/pong liveness, frames that are not messages closed with 1007 (binary: 1003). A device
 * removed while connected is closed with 4403 (final). This core knows nothing of the store or
 * Redis: app/player-sync.ts gives it its hooks and calls `deliver` with every new state, made
 * here or on another node.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PlayerInput } from '../application/player/inputs.js';
import { parseBearer } from '../application/tokens/bearer.js';
import { SEEN_EVERY_MS } from '../domain/player/decider.js';
import { liveDevice, type PlayerState } from '../domain/player/state.js';
import { instructionsFor, playerView, type Instruction } from '../domain/player/view.js';
import { PlayerProtocolError, readPlayerMessage, writeInstruction, writeResult, writeState } from './player-protocol.js';
import { CLOSE, refuse } from './server.js';

export const PLAYER_SYNC_PATH = '/v1/sync/player';

export type DeviceStanding = { kind: 'ok'; state: PlayerState } | { kind: 'not_found' } | { kind: 'removed' };

export interface PlayerSocketHooks {
  authenticate(token: string | undefined): Promise<{ userId: string } | undefined>;
  /** Whether the device may connect, and the player's state then. */
  open(userId: string, deviceId: string): Promise<DeviceStanding>;
  /**
   * The player's newest state, read again once a device is connected: a change another node made
   * between `open` and the connection was published to no one here and must not be missed.
   */
  current(userId: string): Promise<PlayerState>;
  /** Runs a device's command; rejects with an error that has a stable `code` when it is refused. */
  command(userId: string, deviceId: string, input: PlayerInput): Promise<{ applied: boolean; stale: boolean; state: PlayerState }>;
  /** The device is connected (recorded as seen, at most every few minutes). */
  seen(userId: string, deviceId: string): Promise<void>;
  /** The code and message a refused command is answered with. */
  describe(error: unknown): { code: string; message: string };
}

export interface PlayerSocketLimits {
  maxMessageBytes: number;
  maxBufferedBytes: number;
  maxConnections: number;
  maxConnectionsPerUser: number;
  /** Commands a connection may send per second (beyond: answered RATE_LIMITED). */
  commandsPerSecond: number;
  pingIntervalMs: number;
}

export const DEFAULT_PLAYER_LIMITS: PlayerSocketLimits = {
  maxMessageBytes: 16 * 1024,
  maxBufferedBytes: 1024 * 1024,
  maxConnections: 50_000,
  maxConnectionsPerUser: 20,
  commandsPerSecond: 20,
  pingIntervalMs: 30_000,
};

interface Connection {
  socket: WebSocket;
  userId: string;
  deviceId: string;
  alive: boolean;
  seenAt: number;
  /** Commands in the current second. */
  window: { second: number; count: number };
}

interface UserRoom {
  /** The newest state this node knows (what the instructions are worked out from). */
  state: PlayerState;
  connections: Set<Connection>;
}

export class PlayerSocketServer {
  private readonly wss: WebSocketServer;
  private readonly users = new Map<string, UserRoom>();
  private readonly limits: PlayerSocketLimits;
  private readonly timer: NodeJS.Timeout;
  private connectionCount = 0;
  private closing = false;

  constructor(
    private readonly hooks: PlayerSocketHooks,
    private readonly logger: Logger,
    limits: Partial<PlayerSocketLimits> = {},
  ) {
    this.limits = { ...DEFAULT_PLAYER_LIMITS, ...limits };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxMessageBytes, perMessageDeflate: false });
    this.timer = setInterval(() => this.ping(), this.limits.pingIntervalMs);
    this.timer.unref();
  }

  get connections(): number {
    return this.connectionCount;
  }

  /** Whether a user has devices connected here (then their changes are worth hearing). */
  serves(userId: string): boolean {
    return this.users.has(userId);
  }

  /** Whether this node's devices of `userId` have been sent `version` (or a newer one) already. */
  delivered(userId: string, version: number): boolean {
    const room = this.users.get(userId);
    return room !== undefined && room.state.version >= version;
  }

  handles(request: IncomingMessage): boolean {
    const url = request.url ?? '';
    return url === PLAYER_SYNC_PATH || url.startsWith(`${PLAYER_SYNC_PATH}?`);
  }

  /** Never rejects: every request is answered (an HTTP refusal or an open socket). */
  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      await this.upgrade(request, socket, head);
    } catch (error) {
      this.logger.error({ err: error }, 'player socket: upgrade failed');
      refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'the player could not be opened; retry');
    }
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (this.closing) return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'the server is shutting down');
    const principal = await this.hooks.authenticate(url.searchParams.get('token') ?? parseBearer(request.headers.authorization));
    if (!principal) return refuse(socket, 401, 'UNAUTHENTICATED', 'a valid token is required (?token=...)');
    const deviceId = url.searchParams.get('deviceId') ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/.test(deviceId)) return refuse(socket, 400, 'VALIDATION_FAILED', 'deviceId must be a registered device id (?deviceId=...)');
    const { userId } = principal;
    if (this.connectionCount >= this.limits.maxConnections || (this.users.get(userId)?.connections.size ?? 0) >= this.limits.maxConnectionsPerUser) {
      return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'too many player connections; retry later');
    }
    const standing = await this.hooks.open(userId, deviceId);
    if (standing.kind === 'not_found') return refuse(socket, 404, 'DEVICE_NOT_FOUND', `device ${deviceId} is not registered (PUT /v1/me/player/devices/${deviceId})`);
    if (standing.kind === 'removed') return refuse(socket, 403, 'DEVICE_REMOVED', `device ${deviceId} was removed`);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(ws, userId, deviceId, standing.state));
  }

  private connect(socket: WebSocket, userId: string, deviceId: string, state: PlayerState): void {
    const connection: Connection = { socket, userId, deviceId, alive: true, seenAt: Date.now(), window: { second: 0, count: 0 } };
    let room = this.users.get(userId);
    if (!room) this.users.set(userId, (room = { state, connections: new Set() }));
    else if (room.state.version < state.version) room.state = state;
    room.connections.add(connection);
    this.connectionCount += 1;
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data: Buffer, isBinary: boolean) => this.receive(connection, data, isBinary));
    socket.on('close', () => this.forget(connection));
    socket.on('error', (error) => {
      this.logger.info({ err: error, userId, deviceId }, 'player socket: socket error');
      this.forget(connection);
    });
    // The current state, and what to do now if this device plays.
    const now = new Date();
    this.send(connection, writeState(playerView(room.state, now)));
    const instruction = currentInstruction(room.state, deviceId);
    if (instruction) this.send(connection, writeInstruction(instruction, now.toISOString()));
    this.hooks.current(userId).then(
      (current) => this.deliver(userId, current),
      (error: unknown) => this.logger.warn({ err: error, userId }, 'player socket: reading the state after a connection failed'),
    );
    this.hooks.seen(userId, deviceId).catch((error: unknown) => this.logger.warn({ err: error, userId }, 'player socket: recording a device as seen failed'));
  }

  /** A new state of `userId`'s player (made here or on another node): to every device of theirs here. */
  deliver(userId: string, state: PlayerState): void {
    const room = this.users.get(userId);
    if (!room || state.version <= room.state.version) return;
    const before = room.state;
    room.state = state;
    const now = new Date();
    const frame = writeState(playerView(state, now));
    const instructions = instructionsFor(before, state);
    for (const connection of [...room.connections]) {
      this.send(connection, frame);
      for (const { deviceId, instruction } of instructions) {
        if (deviceId === connection.deviceId) this.send(connection, writeInstruction(instruction, now.toISOString()));
      }
      if (!liveDevice(state, connection.deviceId)) this.disconnect(connection, CLOSE.FORBIDDEN, 'device removed');
    }
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.disconnect(connection, CLOSE.UNSUPPORTED, 'text frames only');
    let message: ReturnType<typeof readPlayerMessage>;
    try {
      message = readPlayerMessage(data.toString('utf8'));
    } catch (error) {
      if (!(error instanceof PlayerProtocolError)) throw error;
      this.logger.info({ userId: connection.userId, reason: error.message }, 'player socket: malformed frame; closing');
      return this.disconnect(connection, CLOSE.INVALID_PAYLOAD, 'malformed message');
    }
    const second = Math.floor(Date.now() / 1000);
    if (connection.window.second !== second) connection.window = { second, count: 0 };
    connection.window.count += 1;
    if (connection.window.count > this.limits.commandsPerSecond) {
      return this.send(connection, writeResult(message.id, { error: { code: 'RATE_LIMITED', message: `at most ${this.limits.commandsPerSecond} commands a second` } }));
    }
    const { userId, deviceId } = connection;
    connection.seenAt = Date.now();
    this.hooks.command(userId, deviceId, message.input).then(
      (outcome) => {
        this.deliver(userId, outcome.state);
        // A command that changed nothing (stale, or already so) is answered with the current state:
        // the newest this node knows (a newer one may have come from another node meanwhile).
        if (!outcome.applied) this.send(connection, writeState(playerView(this.newest(userId, outcome.state), new Date())));
        this.send(connection, writeResult(message.id, { applied: outcome.applied, stale: outcome.stale, version: outcome.state.version }));
      },
      (error: unknown) => this.send(connection, writeResult(message.id, { error: this.hooks.describe(error) })),
    );
  }

  private newest(userId: string, state: PlayerState): PlayerState {
    const known = this.users.get(userId)?.state;
    return known && known.version > state.version ? known : state;
  }

  private send(connection: Connection, frame: string): void {
    const { socket } = connection;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.limits.maxBufferedBytes) return this.disconnect(connection, CLOSE.TRY_AGAIN_LATER, 'too slow: reconnect');
    socket.send(frame);
  }

  private disconnect(connection: Connection, code: number, reason: string): void {
    this.forget(connection);
    connection.socket.close(code, reason);
    setTimeout(() => connection.socket.terminate(), 1_000).unref();
  }

  private forget(connection: Connection): void {
    const room = this.users.get(connection.userId);
    if (!room?.connections.delete(connection)) return;
    this.connectionCount -= 1;
    if (room.connections.size === 0) this.users.delete(connection.userId);
  }

  private ping(): void {
    const now = Date.now();
    for (const room of this.users.values()) {
      for (const connection of [...room.connections]) {
        if (!connection.alive) {
          this.forget(connection);
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
        if (now - connection.seenAt >= SEEN_EVERY_MS) {
          connection.seenAt = now;
          this.hooks.seen(connection.userId, connection.deviceId).catch(() => undefined);
        }
      }
    }
  }

  /** Closes every socket (1001) and stops. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    for (const room of [...this.users.values()]) for (const connection of [...room.connections]) this.disconnect(connection, CLOSE.GOING_AWAY, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** What the active device should be doing in `state` (sent when it connects). */
function currentInstruction(state: PlayerState, deviceId: string): Instruction | undefined {
  const playback = state.playback;
  if (state.activeDeviceId !== deviceId || !playback) return undefined;
  return { op: playback.isPlaying ? 'play' : 'pause', trackId: playback.tracks[playback.index]!, positionMs: playback.positionMs, at: playback.updatedAt, version: state.version };
}
