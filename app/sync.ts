/**
 * The sync server's host: its hooks on the event store, the read models and the authenticator;
 * fan-out between nodes through Redis pub/sub; and a subscription to the stored playlist events,
 * so that an update Redis dropped still arrives, and access changes close sockets.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import * as Y from 'yjs';
import { playlistStream, type PlaylistChange } from '../domain/playlist/events.js';
import type { EventStore, NewEvent, Subscription } from '../gateways/event-store/port.js';
import { uuidv7 } from '../gateways/event-store/uuid.js';
import type { Authenticator } from '../gateways/http/auth.js';
import { accessTo } from '../gateways/http/facts.js';
import type { PubSub } from '../gateways/redis/pubsub.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Projections } from '../projections/manager.js';
import type { Edit, StoredDocument, SyncHooks } from '../sync-server/hooks.js';
import { SyncServer, type SyncLimits } from '../sync-server/server.js';
import { decodeCompaction, encodeCompaction } from './compaction.js';

export interface SyncDeps {
  store: EventStore;
  sql: SqlClient;
  auth: Authenticator;
  projections: Projections;
  logger: Logger;
  /** Fan-out to the other nodes (none in embedded mode). */
  pubsub?: PubSub;
  registry?: Registry;
  limits?: Partial<SyncLimits>;
  now?: () => Date;
}

/**
 * Fan-out messages: the sending node's id (36 bytes), the time it sent the update (float64, ms
 * since 1970), the Yjs update. The channel name carries the format's version: nodes of another
 * version do not read these, and still get the updates through the stored events.
 */
const FANOUT_CHANNEL = 'chorus:sync2:';
const NODE_ID_BYTES = 36;
const HEADER_BYTES = NODE_ID_BYTES + 8;

function encodeFanout(nodeId: string, update: Uint8Array, sentAt: number): Buffer {
  const message = Buffer.allocUnsafe(HEADER_BYTES + update.length);
  message.write(nodeId, 0, NODE_ID_BYTES, 'latin1');
  message.writeDoubleBE(sentAt, NODE_ID_BYTES);
  message.set(update, HEADER_BYTES);
  return message;
}
const ACCESS_EVENTS = ['CollaboratorAdded', 'CollaboratorRoleChanged', 'CollaboratorRemoved', 'PlaylistVisibilityChanged', 'PlaylistDeleted'];

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
    if (payload.length < HEADER_BYTES) return;
    if (payload.toString('latin1', 0, NODE_ID_BYTES) === nodeId) return;
    const sentAt = payload.readDoubleBE(NODE_ID_BYTES);
    server.applyStored(channel.slice(FANOUT_CHANNEL.length), new Uint8Array(payload.subarray(HEADER_BYTES)), 'fanout', sentAt);
  });

  // Stored edits of other nodes (what Redis may have dropped), and access changes.
  const subscription: Subscription = deps.store.subscribeToAll({
    fromPosition: await deps.store.headPosition(),
    filter: { streamPrefixes: ['playlist-'], eventTypes: ['PlaylistEdited', ...ACCESS_EVENTS] },
  });
  const following = (async () => {
    for await (const event of subscription) {
      const playlistId = String(event.data.playlistId);
      if (event.type === 'PlaylistEdited') {
        // This node's own edits are in its documents already (it stored them from there).
        if (event.metadata.correlationId === nodeId) continue;
        server.applyStored(playlistId, Buffer.from(String(event.data.update), 'base64'), 'store', Date.parse(event.occurredAt));
        continue;
      }
      // The read model the access hook reads must have seen this event first.
      await deps.projections.waitFor(['playlists'], event.position, 5_000).catch(() => undefined);
      await server.recheckAccess(playlistId);
    }
  })().catch((error: unknown) => deps.logger.error({ err: error }, 'sync: following stored playlist events failed'));

  return {
    server,
    async close() {
      await server.close();
      await subscription.close();
      await following;
    },
  };
}

function createHooks(deps: SyncDeps, now: () => Date, nodeId: string): SyncHooks {
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

    async store(playlistId, edits) {
      const at = now().toISOString();
      const events: NewEvent[] = edits.map((edit: Edit) => ({
        id: uuidv7(),
        type: 'PlaylistEdited',
        data: {
          playlistId,
          update: Buffer.from(edit.update).toString('base64'),
          changes: edit.changes as unknown as NewEvent['data'][],
          editedBy: edit.actorId,
          at,
        } as NewEvent['data'],
        metadata: { actorId: edit.actorId, correlationId: nodeId },
      }));
      const result = await deps.store.append(playlistStream(playlistId), events, { expectedRevision: 'exists' });
      return result.position;
    },

    compact: (playlistId) => compactDocument(deps.store, playlistId, now()),

    publish: deps.pubsub
      ? (playlistId, update) => deps.pubsub!.publish(FANOUT_CHANNEL + playlistId, encodeFanout(nodeId, update, Date.now()))
      : undefined,
  };
}

/**
 * A playlist's document from its stream: read backwards to the last compaction, then apply it
 * and the edits after it, in order.
 */
export async function loadDocument(store: EventStore, playlistId: string): Promise<StoredDocument & { revision: bigint | undefined }> {
  const edits: Uint8Array[] = [];
  let base: Uint8Array[] = [];
  let revision: bigint | undefined;
  const compaction: Array<{ part: number; parts: number; id: string; state: string }> = [];
  for await (const event of store.readStream(playlistStream(playlistId), { direction: 'backwards' })) {
    revision ??= event.revision;
    if (event.type === 'PlaylistEdited') {
      edits.push(Buffer.from(String(event.data.update), 'base64'));
    } else if (event.type === 'PlaylistCompacted') {
      compaction.push(event.data as unknown as (typeof compaction)[number]);
      const first = compaction[compaction.length - 1]!;
      if (first.part === 0 && compaction.length === first.parts && compaction.every((c) => c.id === first.id)) {
        base = [decodeCompaction(compaction.map((c) => c.state).reverse())];
        break;
      }
    } else if (event.type === 'PlaylistCreated') {
      break;
    }
  }
  return { updates: [...base, ...edits.reverse()], editsSinceCompaction: edits.length, revision };
}

/**
 * Stores the document's whole state as of the stream's current revision, so loading starts there.
 * Built from the stream itself (not from a node's memory, which may lack another node's edits);
 * if the stream moved meanwhile, the compaction is skipped (the next one will do).
 */
export async function compactDocument(store: EventStore, playlistId: string, at: Date): Promise<void> {
  const loaded = await loadDocument(store, playlistId);
  if (loaded.revision === undefined || loaded.editsSinceCompaction === 0) return;
  const doc = new Y.Doc();
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  const parts = encodeCompaction(Y.encodeStateAsUpdate(doc));
  doc.destroy();
  const id = uuidv7();
  const events: NewEvent[] = parts.map((state, part) => ({
    id: uuidv7(),
    type: 'PlaylistCompacted',
    data: { playlistId, id, part, parts: parts.length, state, encoding: 'yjs-update-v1+deflate', upToRevision: Number(loaded.revision), at: at.toISOString() },
  }));
  try {
    await store.append(playlistStream(playlistId), events, { expectedRevision: loaded.revision });
  } catch (error) {
    if ((error as { code?: string }).code !== 'WRONG_EXPECTED_REVISION') throw error;
  }
}

export type { PlaylistChange };
