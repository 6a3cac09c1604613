/** The sync server's close codes and limits (PROTOCOL.md; CHORUS_SYNC_* in app/config.ts). */
import { MAX_ENTRIES } from '../domain/playlist/document.js';

/** Close codes. 4400-4499 are final for y-websocket 3.1 clients: they stop reconnecting. */
export const CLOSE = {
  GOING_AWAY: 1001,
  UNSUPPORTED: 1003,
  INVALID_PAYLOAD: 1007,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
  /** An edit of this client can never be stored (the store refused it): final, so it does not send it again in a loop. */
  EDIT_REFUSED: 4400,
  /** An update would make the document too large (entries, bytes, or updates waiting for what never came): final. */
  DOCUMENT_TOO_LARGE: 4413,
  /** An update breaks the document's rules (DESIGN.md section 5; PROTOCOL.md): final. */
  INVALID_EDIT: 4422,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  /**
   * The user sends edits faster than CHORUS_SYNC_EDITS_PER_SECOND: the update is not applied and
   * the client reconnects after its back-off (4500-4599 are "try again later" for y-websocket 3.1
   * clients), sending what the server lacks on resync, so nothing is lost.
   */
  TOO_MANY_EDITS: 4529,
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
  /** Edits applied and not yet stored, on all documents, beyond which reading from clients pauses (backpressure). */
  maxUnstoredBytes: number;
  maxUnstoredEdits: number;
  /** Under load, the least time between the starts of two stores (edits gather meanwhile; a lone or HTTP edit never waits). */
  storeIntervalMs: number;
  /** How long close() waits for the store to take what is queued before it gives up on it. */
  closeTimeoutMs: number;
  /** Entries of one playlist (the HTTP routes' cap). */
  maxEntries: number;
  /** A document's encoded size. */
  maxDocumentBytes: number;
  /** Bytes of a document's updates that wait for changes that have not arrived. */
  maxPendingBytes: number;
  /** How far ahead of this server's clock an entry's addedAt may be before it is set to now. */
  maxClockSkewMs: number;
  /** Edits (updates from writers) a user may send a second, over all their connections (token bucket; across nodes with a shared counter). */
  editsPerSecond: number;
  /** Edits a user may send at once before the rate applies (the bucket's size). */
  editBurst: number;
  /** WebSocket connections one user may hold on a node; beyond it an upgrade is refused with 429. */
  maxConnectionsPerUser: number;
  /** Awareness client ids one connection may set (a stock provider sets one). */
  maxAwarenessPerConnection: number;
}

export const DEFAULT_LIMITS: SyncLimits = {
  maxMessageBytes: 256 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxRooms: 10_000,
  maxConnections: 20_000,
  pingIntervalMs: 30_000,
  idleUnloadMs: 30_000,
  compactEvery: 500,
  maxUnstoredBytes: 64 * 1024 * 1024,
  maxUnstoredEdits: 50_000,
  storeIntervalMs: 50,
  closeTimeoutMs: 10_000,
  maxEntries: MAX_ENTRIES,
  maxDocumentBytes: 16 * 1024 * 1024,
  maxPendingBytes: 1024 * 1024,
  maxClockSkewMs: 5 * 60_000,
  editsPerSecond: 50,
  editBurst: 200,
  maxConnectionsPerUser: 50,
  maxAwarenessPerConnection: 4,
};
