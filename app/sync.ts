/**
 * The sync server's wiring: its hooks built from application/ (authentication, access, playlist
 * documents), fan-out between nodes through pub/sub (frames of sync-server/fanout.ts), and the
 * stored playlist events followed so that an update pub/sub dropped still arrives and access
 * changes close sockets.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { accessTo } from '../application/playlist-access.js';
import { followPlaylistEvents } from '../application/playlist-documents/follow.js';
import { loadDocument } from '../application/playlist-documents/load.js';
import { compactDocument, storeEditBatches } from '../application/playlist-documents/store.js';
import type { Cache } from '../gateways/cache/port.js';
import type { EventStore } from '../gateways/event-store/port.js';
import type { PubSub } from '../gateways/cache/pubsub.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Authenticator } from '../http/auth.js';
import type { Projections } from '../projections/manager.js';
import { trackDurations } from '../projections/sql/catalog.js';
import { FANOUT_CHANNEL, decodeFanout, encodeFanout } from '../sync-server/fanout.js';
import type { SyncHooks } from '../sync-server/hooks.js';
import { SyncServer, type SyncLimits } from '../sync-server/server.js';

/** The key space of the shared per-user edit counts in the cache. */
export const SYNC_EDIT_KEYS = 'chorus:limit:sync-edits:';

export interface SyncDeps {
  store: EventStore;
  sql: SqlClient;
  auth: Authenticator;
  projections: Projections;
  logger: Logger;
  /** Fan-out to the other nodes (none in embedded mode). */
  pubsub?: PubSub;
  /** A cache shared by every node (Redis): the per-user edit rate is counted there. */
  cache?: Cache;
  registry?: Registry;
  limits?: Partial<SyncLimits>;
  now?: () => Date;
}

export interface RunningSync {
  server: SyncServer;
  close(): Promise<void>;
}

export async function startSync(deps: SyncDeps): Promise<RunningSync> {
  const nodeId = randomUUID();
  const now = deps.now ?? (() => new Date());
  const hooks = createHooks(deps, now, nodeId);
  const server = new SyncServer(hooks, deps.logger.child({ component: 'sync' }), { limits: deps.limits, registry: deps.registry });

  await deps.pubsub?.subscribe(FANOUT_CHANNEL, (channel, payload) => {
    const frame = decodeFanout(payload);
    if (!frame || frame.nodeId === nodeId) return;
    server.applyStored(channel.slice(FANOUT_CHANNEL.length), frame.update, 'fanout', frame.sentAt);
  });

  // Stored edits of other nodes (what pub/sub may have dropped), and access changes.
  const following = await followPlaylistEvents(
    deps.store,
    nodeId,
    {
      edited: (playlistId, update, occurredAt) => server.applyStored(playlistId, update, 'store', occurredAt),
      async accessChanged(playlistId, position) {
        // The read model the access hook reads must have seen this event first.
        await deps.projections.waitFor(['playlists'], position, 5_000).catch(() => undefined);
        await server.recheckAccess(playlistId);
      },
    },
    (error) => deps.logger.error({ err: error }, 'sync: following stored playlist events failed'),
  );

  return {
    server,
    async close() {
      await server.close();
      await following.close();
    },
  };
}

function createHooks(deps: SyncDeps, now: () => Date, nodeId: string): SyncHooks {
  const pubsub = deps.pubsub;
  const cache = deps.cache;
  return {
    async authenticate(token) {
      if (!token) return undefined;
      try {
        return { userId: (await deps.auth.verify(token)).userId };
      } catch {
        return undefined;
      }
    },

    async access(playlistId, userId) {
      const level = await accessTo(deps, playlistId, userId);
      if (level === 'not_found' || level === 'deleted') return { kind: 'not_found' };
      if (level === 'none') return { kind: 'forbidden' };
      return { kind: 'granted', canWrite: level !== 'read' };
    },

    load: (playlistId) => loadDocument(deps.store, playlistId),
    store: (batches) => storeEditBatches(deps.store, batches, now(), nodeId),
    compact: (playlistId) => compactDocument(deps.store, playlistId, now()),
    tracksExist: async (trackIds) => new Set((await trackDurations(deps.sql, trackIds)).keys()),

    countEdits: cache
      ? (counts, windowSeconds) =>
          cache.hitMany(
            counts.map(({ userId, edits }) => ({ key: SYNC_EDIT_KEYS + userId, by: edits })),
            windowSeconds,
          )
      : undefined,

    publish: pubsub
      ? (playlistId, update) =>
          pubsub.publish(FANOUT_CHANNEL + playlistId, () => {
            const frame = encodeFanout({ nodeId, sentAt: Date.now(), update });
            return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
          })
      : undefined,
  };
}
