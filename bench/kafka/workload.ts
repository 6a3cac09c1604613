/**
 * What the benchmark stores: mostly plays (TrackPlayed, about 200 bytes of data, as the
 * event-store benchmark's payload), with user, playlist and catalog events mixed in, in batches
 * of one stream each, so that the relay fills all four topics.
 */
import type { JsonObject, NewEvent } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';

/** Of every 20 appends: 17 to a listens stream, one each to user, playlist and catalog. */
function category(batch: number): 'listens' | 'user' | 'playlist' | 'catalog' {
  const slot = batch % 20;
  return slot === 17 ? 'user' : slot === 18 ? 'playlist' : slot === 19 ? 'catalog' : 'listens';
}

/** The `batch`-th preload append: its stream and `size` events. */
export function preloadBatch(batch: number, size: number): { stream: string; events: NewEvent[] } {
  const kind = category(batch);
  const stream = `${kind}-b${batch % 997}`;
  const events = Array.from({ length: size }, (_, i) => {
    const n = batch * size + i;
    return { id: uuidv7(), type: kind === 'listens' ? 'TrackPlayed' : `${kind[0]!.toUpperCase()}${kind.slice(1)}Changed`, data: payload(kind, n) };
  });
  return { stream, events };
}

/** One play for the latency run, carrying the wall-clock time its append started. */
export function latencyEvent(n: number, sentAt: number): { stream: string; event: NewEvent } {
  return { stream: `listens-lat${n % 200}`, event: { id: uuidv7(), type: 'TrackPlayed', data: { ...payload('listens', n), sentAt } } };
}

function payload(kind: string, n: number): JsonObject {
  if (kind === 'listens') {
    return {
      userId: `usr_${hex(n % 9_973, 10)}`,
      trackId: `trk_${hex(n * 2_654_435_761, 12)}`,
      playedAt: new Date(1_750_000_000_000 + n * 1_000).toISOString(),
      msPlayed: 30_000 + (n % 240) * 1_000,
      context: { type: 'playlist', id: `pl_${hex((n % 577) * 40_503, 12)}` },
      deviceId: `dev_${hex(n % 4_099, 8)}`,
    };
  }
  return { subject: `${kind}_${hex(n * 40_503, 12)}`, by: `usr_${hex(n % 9_973, 10)}`, note: 'x'.repeat(60 + (n % 60)) };
}

function hex(value: number, width: number): string {
  return (Math.abs(Math.trunc(value)) % 16 ** width).toString(16).padStart(width, '0');
}
