/**
 * The player's wiring: the use cases (application/player), the player socket (sync-server) with
 * its hooks, and fan-out between nodes. A change made on this node goes to its sockets at once
 * and, through the same Redis pub/sub the playlist sync uses (channel `chorus:player1:<userId>`),
 * to the other nodes, which send it to theirs. Each node also follows the stored player events of
 * the users it serves, so a change pub/sub dropped still arrives: a stored event of a version its
 * devices were not sent, and still not sent after a short grace (pub/sub is usually faster, but
 * not always), makes it read the state from the store.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { playerRequest } from '../application/player/inputs.js';
import { PlayerService } from '../application/player/player.js';
import { PLAYER_STREAM_PREFIX } from '../domain/player/events.js';
import type { PlayerState } from '../domain/player/state.js';
import type { PubSub } from '../gateways/cache/pubsub.js';
import type { EventStore } from '../gateways/event-store/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Authenticator } from '../http/auth.js';
import { toHttpError } from '../http/errors.js';
import { PlayerSocketServer, type PlayerSocketHooks, type PlayerSocketLimits } from '../sync-server/player-server.js';

export const PLAYER_CHANNEL = 'chorus:player1:';

/**
 * How long a stored change not yet heard on pub/sub may wait for it before it is read from the
 * store: the two race after every commit, and a read for each change pub/sub then brings anyway
 * cost every node serving the user one store read per command.
 */
export const PUBSUB_GRACE_MS = 150;

export interface PlayerSyncDeps {
  store: EventStore;
  sql: SqlClient;
  auth: Authenticator;
  logger: Logger;
  now: () => Date;
  pubsub?: PubSub;
  limits?: Partial<PlayerSocketLimits>;
}

export interface RunningPlayerSync {
  service: PlayerService;
  server: PlayerSocketServer;
  close(): Promise<void>;
}

interface PlayerFrame {
  nodeId: string;
  sentAt: number;
  userId: string;
  state: PlayerState;
}

export async function startPlayerSync(deps: PlayerSyncDeps): Promise<RunningPlayerSync> {
  const nodeId = randomUUID();
  const logger = deps.logger.child({ component: 'player' });
  const service = new PlayerService(deps);
  const server = new PlayerSocketServer(createHooks(deps, service), logger, deps.limits);
  const pubsub = deps.pubsub;

  service.onChange(({ userId, after }) => {
    server.deliver(userId, after);
    if (!pubsub) return;
    const frame: PlayerFrame = { nodeId, sentAt: Date.now(), userId, state: after };
    pubsub.publish(PLAYER_CHANNEL + userId, () => Buffer.from(JSON.stringify(frame)));
  });
  await pubsub?.subscribe(PLAYER_CHANNEL, (_channel, payload) => {
    let frame: PlayerFrame;
    try {
      frame = JSON.parse(payload.toString('utf8')) as PlayerFrame;
    } catch {
      return;
    }
    if (frame.nodeId === nodeId || typeof frame.userId !== 'string' || typeof frame.state?.version !== 'number') return;
    service.remember(frame.userId, frame.state);
    server.deliver(frame.userId, frame.state);
  });

  // The stored events fill what pub/sub dropped (for the users with devices connected here). Pub/sub
  // usually brings a change first, or soon after: a stored change these devices were not sent is
  // read from the store only if it has not come that way after a short grace.
  const missing = new Map<string, number>();
  let closed = false;
  const refresh = (userId: string, version: number) => {
    const waiting = missing.has(userId);
    missing.set(userId, Math.max(version, missing.get(userId) ?? 0));
    if (waiting) return;
    setTimeout(() => {
      const wanted = missing.get(userId)!;
      missing.delete(userId);
      if (closed || !server.serves(userId) || server.delivered(userId, wanted)) return;
      service.state(userId).then(
        (state) => server.deliver(userId, state),
        (error: unknown) => logger.warn({ err: error, userId }, 'player: reading a stored change failed'),
      );
    }, pubsub ? PUBSUB_GRACE_MS : 0);
  };
  const subscription = deps.store.subscribeToAll({ fromPosition: await deps.store.headPosition(), filter: { streamPrefixes: [PLAYER_STREAM_PREFIX] } });
  const following = (async () => {
    for await (const event of subscription) {
      const userId = event.stream.slice(PLAYER_STREAM_PREFIX.length);
      const version = Number(event.revision) + 1;
      if (server.serves(userId) && !server.delivered(userId, version)) refresh(userId, version);
    }
  })().catch((error: unknown) => logger.error({ err: error }, 'player: following stored player events failed'));

  return {
    service,
    server,
    async close() {
      closed = true;
      await server.close();
      await subscription.close();
      await following;
    },
  };
}

function createHooks(deps: PlayerSyncDeps, service: PlayerService): PlayerSocketHooks {
  return {
    async authenticate(token) {
      if (!token) return undefined;
      try {
        return { userId: (await deps.auth.verify(token)).userId };
      } catch {
        return undefined;
      }
    },
    async open(userId, deviceId) {
      const state = await service.state(userId);
      const device = state.devices.find((d) => d.id === deviceId);
      if (!device) return { kind: 'not_found' };
      if (device.removedAt) return { kind: 'removed' };
      return { kind: 'ok', state };
    },
    current: (userId) => service.state(userId),
    async command(userId, deviceId, input) {
      const request = await playerRequest(deps, userId, { ...input, fromDeviceId: deviceId });
      return service.execute(userId, request, { actorId: userId, correlationId: randomUUID() });
    },
    async seen(userId, deviceId) {
      await service.execute(userId, { type: 'SeeDevice', deviceId }, { actorId: userId });
    },
    describe(error) {
      const http = toHttpError(error);
      if (http.status >= 500) deps.logger.error({ err: error }, 'player: a command failed');
      return { code: http.code, message: http.message };
    },
  };
}
