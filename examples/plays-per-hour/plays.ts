/**
 * From Kafka records to counted plays: which records are TrackPlayed events, which of them count
 * (msPlayed >= 30,000, Spotify's rule), and their UTC hour. Pure functions, no I/O.
 */

/** A play counts toward the table from 30 seconds on. */
export const COUNTED_FROM_MS = 30_000;

export interface Play {
  eventId: string;
  trackId: string;
  /** The UTC hour of playedAt, as an ISO time (`2026-11-25T13:00:00.000Z`). */
  hour: string;
  counts: boolean;
}

export interface RecordLike {
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export type Reading = { kind: 'play'; play: Play } | { kind: 'other' } | { kind: 'malformed'; why: string };

/** Reads one record of chorus.listens: its value is the event envelope, header event-id its id. */
export function readPlay(record: RecordLike): Reading {
  const type = header(record, 'event-type');
  if (type !== undefined && type !== 'TrackPlayed') return { kind: 'other' };
  if (record.value === null) return { kind: 'malformed', why: 'no value' };
  let envelope: { id?: unknown; type?: unknown; data?: { trackId?: unknown; playedAt?: unknown; msPlayed?: unknown } };
  try {
    envelope = JSON.parse(record.value.toString('utf8')) as typeof envelope;
  } catch {
    return { kind: 'malformed', why: 'value is not JSON' };
  }
  if (envelope.type !== 'TrackPlayed') return { kind: 'other' };
  const eventId = header(record, 'event-id') ?? envelope.id;
  const { trackId, playedAt, msPlayed } = envelope.data ?? {};
  const time = typeof playedAt === 'string' ? Date.parse(playedAt) : Number.NaN;
  if (typeof eventId !== 'string' || typeof trackId !== 'string' || typeof msPlayed !== 'number' || Number.isNaN(time)) {
    return { kind: 'malformed', why: 'TrackPlayed without event id, trackId, playedAt or msPlayed' };
  }
  const hour = new Date(Math.floor(time / 3_600_000) * 3_600_000).toISOString();
  return { kind: 'play', play: { eventId, trackId, hour, counts: msPlayed >= COUNTED_FROM_MS } };
}

/** Counted plays per (hour, track). */
export function countByHourAndTrack(plays: Iterable<Play>): Map<string, { hour: string; trackId: string; plays: number }> {
  const counts = new Map<string, { hour: string; trackId: string; plays: number }>();
  for (const play of plays) {
    if (!play.counts) continue;
    const key = `${play.hour}\u0000${play.trackId}`;
    const row = counts.get(key);
    if (row) row.plays += 1;
    else counts.set(key, { hour: play.hour, trackId: play.trackId, plays: 1 });
  }
  return counts;
}

function header(record: RecordLike, name: string): string | undefined {
  const value = record.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
