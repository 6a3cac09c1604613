/**
 * The sync server's Prometheus metrics: connections and documents, messages, closes, and the
 * store behind the relay (edits stored and refused, store call time, store lag, what is unstored,
 * backpressure).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SyncGauges {
  readonly connectionCount: number;
  readonly roomCount: number;
  readonly unstored: { edits: number; bytes: number };
  readonly backlogged: boolean;
}

export type SyncMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(registry: Registry | undefined, server: SyncGauges) {
  const registers = registry ? [registry] : [];
  return {
    messagesIn: new Counter({ name: 'chorus_sync_messages_in_total', help: 'WebSocket messages received', registers }),
    messagesOut: new Counter({ name: 'chorus_sync_messages_out_total', help: 'WebSocket messages sent', registers }),
    badFrames: new Counter({ name: 'chorus_sync_bad_frames_total', help: 'Malformed frames (connection closed)', registers }),
    slowClosed: new Counter({ name: 'chorus_sync_slow_clients_closed_total', help: 'Clients closed for a full send buffer', registers }),
    droppedEdits: new Counter({ name: 'chorus_sync_viewer_edits_dropped_total', help: 'Edits of read-only clients, dropped', registers }),
    refusedUpdates: new Counter({
      name: 'chorus_sync_updates_refused_total',
      help: 'Client updates refused before anyone saw them (invalid: the document rules; too_large: entries, size or waiting updates); the sender is closed',
      labelNames: ['reason'] as const,
      registers,
    }),
    limited: new Counter({
      name: 'chorus_sync_limited_total',
      help: 'Per-user limits applied (edits: an update over the edit rate, its sender closed with 4529; connections: an upgrade refused with 429; awareness: awareness entries dropped, for another user\'s client id or past the per-connection cap)',
      labelNames: ['limit'] as const,
      registers,
    }),
    storedEdits: new Counter({ name: 'chorus_sync_edits_stored_total', help: 'PlaylistEdited events stored', registers }),
    refusedEdits: new Counter({
      name: 'chorus_sync_edits_refused_total',
      help: 'Edits the store refused for good (they would fail again): dropped, never retried',
      registers,
    }),
    backlogs: new Counter({
      name: 'chorus_sync_store_backlogs_total',
      help: 'Times the store fell so far behind that reading from clients paused (backpressure)',
      registers,
    }),
    storeLagSeconds: new Histogram({
      name: 'chorus_sync_store_lag_seconds',
      help: 'From an edit applied (and relayed) to its commit in the store',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 1, 2, 5],
      registers,
    }),
    unstoredEdits: new Gauge({ name: 'chorus_sync_unstored_edits', help: 'Edits applied and relayed, not yet stored', registers, collect() { this.set(server.unstored.edits); } }),
    unstoredBytes: new Gauge({ name: 'chorus_sync_unstored_bytes', help: 'Memory held by edits not yet stored (approximate)', registers, collect() { this.set(server.unstored.bytes); } }),
    backlogged: new Gauge({ name: 'chorus_sync_store_backlogged', help: '1 while the store is behind and reading from clients is paused', registers, collect() { this.set(server.backlogged ? 1 : 0); } }),
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
    storeFills: new Counter({
      name: 'chorus_sync_store_fills_total',
      help: "Updates of other nodes read back from the stored events that brought a document here something it lacked (gaps the Redis fan-out left)",
      registers,
    }),
    connections: new Gauge({ name: 'chorus_sync_connections', help: 'Open WebSocket connections', registers, collect() { this.set(server.connectionCount); } }),
    rooms: new Gauge({ name: 'chorus_sync_documents_loaded', help: 'Playlist documents in memory', registers, collect() { this.set(server.roomCount); } }),
  };
}
