/**
 * A generated, deterministic history of Chorus: the same seed and size give the same events,
 * timed relative to `endMs`. A catalog imported at the start (and albums released and audio
 * uploaded later), users registering over the days, follows, likes and playlists (commands.ts, at
 * random times), and listening sessions filling the rest (~87% of the events are plays).
 *
 * Sizes are those of a 1,000,000-event history scaled by `events / 1,000,000` (world.ts); plays
 * fill up the rest, so the history holds exactly `events` events. Appends are in time order, so
 * users interleave in the log as they would in production; `after` names the earlier appends that
 * must commit before one (its stream's previous append, and those that made what it refers to).
 */
import type { NewEvent } from '../../gateways/event-store/port.js';
import { ACTIONS, act, listeningSession, livePlay, register, releaseAlbums, uploadAudio, type ActionKind, type Written } from './commands.js';
import { DAY, HOUR, createWorld } from './world.js';
import type { Random } from './random.js';

export interface HistoryOptions {
  events: number;
  seed: number;
  /** The history ends here (ms); it starts `days` earlier. */
  endMs: number;
  days: number;
}

export interface Append {
  at: number;
  stream: string;
  events: NewEvent[];
  /** Indexes of earlier appends that must have committed first. */
  after: number[];
}

export interface History {
  appends: Append[];
  /** Events per type. */
  counts: Record<string, number>;
  /** `count` single commands continuing the history in its mix, the i-th at `startMs + i * intervalMs`. */
  live(count: number, startMs: number, intervalMs: number): Pick<Append, 'stream' | 'events'>[];
}

/** Share of albums whose audio is uploaded (one append per album) in their first week. */
const AUDIO_UPLOADS = 0.1;
const SESSION_MEAN_PLAYS = 9;
/** Listening by hour of the day (UTC), relative. */
const pickHour = weighted([2, 1, 1, 1, 1, 1, 2, 4, 5, 5, 5, 5, 6, 6, 5, 5, 6, 7, 8, 9, 9, 8, 6, 4]);
/** Planned apart in the history: registrations, releases and audio uploads. */
const PLANNED: readonly ActionKind[] = ['registerUser', 'releaseAlbum', 'attachAudio'];

export function createHistory(options: HistoryOptions): History {
  const world = createWorld(options);
  const { random, start } = world;
  const end = options.endMs;
  const scaled = (perMillion: number) => Math.round((perMillion * options.events) / 1_000_000);

  // Part 1: everything but plays, decided in time order.
  const actions: { at: number; run: (at: number) => Written | undefined }[] = [];
  world.artists.forEach((artist, i) => {
    const imported = artist.albums.filter((a) => a.releasedAt === start);
    actions.push({ at: start + (i / world.artists.length) * HOUR, run: (at) => releaseAlbums(world, at, artist, imported, true) });
  });
  for (const album of world.albums) {
    if (album.releasedAt > start) actions.push({ at: album.releasedAt, run: (at) => releaseAlbums(world, at, album.artist, [album], false) });
    const uploadAt = Math.max(album.releasedAt, start + HOUR) + random.next() * 7 * DAY;
    if (random.chance(AUDIO_UPLOADS) && uploadAt < end) actions.push({ at: uploadAt, run: (at) => uploadAudio(world, at, album, album.tracks) });
  }
  for (const user of world.users) actions.push({ at: user.registeredAt, run: (at) => register(world, at, user) });
  for (const kind of Object.keys(ACTIONS) as ActionKind[]) {
    if (PLANNED.includes(kind)) continue;
    for (let i = 0; i < scaled(ACTIONS[kind]); i += 1) {
      actions.push({ at: start + 2 * HOUR + random.next() * (end - start - 2 * HOUR), run: (at) => act[kind](world, at) });
    }
  }
  actions.sort((a, b) => a.at - b.at);
  const written = actions.map((action) => action.run(action.at)).filter((w) => w !== undefined);

  // Part 2: listening sessions until the history holds `events` events.
  let remaining = options.events - written.reduce((sum, w) => sum + w.events.length, 0);
  if (remaining < 0) throw new Error(`${options.events} events are too few for the catalog and users of their scale`);
  while (remaining > 0) {
    const at = start + Math.floor(random.next() * options.days) * DAY + (pickHour(random) + random.next()) * HOUR;
    const user = world.activeUser(at);
    const session = user && listeningSession(world, at, user, Math.min(remaining, random.geometric(SESSION_MEAN_PLAYS, 80)));
    if (!session) continue;
    written.push(session);
    remaining -= session.events.length;
  }
  written.sort((a, b) => a.at - b.at);

  const appends = inOrder(written);
  const counts: Record<string, number> = {};
  for (const append of appends) for (const event of append.events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  const playShare = (counts.TrackPlayed ?? 0) / options.events;
  const kinds = Object.keys(ACTIONS) as ActionKind[];
  const pickKind = weighted(kinds.map((kind) => ACTIONS[kind]));

  return {
    appends,
    counts,
    live(count, startMs, intervalMs) {
      world.live = true;
      world.limit = Number.POSITIVE_INFINITY;
      const out: Pick<Append, 'stream' | 'events'>[] = [];
      for (let attempt = 0; out.length < count; attempt += 1) {
        if (attempt > count * 10) throw new Error('the live mix keeps finding nothing to do');
        const at = startMs + out.length * intervalMs;
        const w = random.chance(playShare) ? livePlay(world, at) : act[kinds[pickKind(random)]!](world, at);
        if (w) out.push({ stream: w.stream, events: w.events });
      }
      return out;
    },
  };
}

/** Each append with the earlier appends it must follow: its stream's previous one, and whatever made what it needs. */
function inOrder(written: readonly Written[]): Append[] {
  const lastOfStream = new Map<string, number>();
  const madeBy = new Map<string, number>();
  return written.map((w, index) => {
    const after = new Set<number>();
    for (const earlier of [lastOfStream.get(w.stream), ...w.needs.map((need) => madeBy.get(need))]) {
      if (earlier !== undefined) after.add(earlier);
    }
    lastOfStream.set(w.stream, index);
    for (const made of w.makes) madeBy.set(made, index);
    return { at: w.at, stream: w.stream, events: w.events, after: [...after] };
  });
}

/** Picks an index with probability proportional to `weights[index]`. */
function weighted(weights: readonly number[]): (random: Random) => number {
  const total = weights.reduce((a, b) => a + b, 0);
  return (random) => {
    let target = random.next() * total;
    for (let i = 0; i < weights.length; i += 1) {
      target -= weights[i]!;
      if (target < 0) return i;
    }
    return weights.length - 1;
  };
}
