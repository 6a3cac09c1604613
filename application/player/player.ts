/**
 * The player use cases the HTTP routes and the player socket share: run a command from any device
 * against the user's player, read the state, and hear about every change (the socket edge sends
 * it to the user's devices, here and, through pub/sub, on other nodes).
 *
 * A command starts from the state the `player` read model holds (or this node's copy) and reads
 * only the events after it, decides, and appends at the expected revision; when another node got
 * there first it reads the new events and decides again. Commands of one user on one node run one
 * at a time, so two devices pressing at once are ordered here without a retry.
 */
import { MAX_TRACKS, isStale, playerDecider, type PlayerCommand } from '../../domain/player/decider.js';
import { playerStream, type PlayerContext, type PlayerEvent } from '../../domain/player/events.js';
import { evolvePlayer, initialPlayerState, type PlayerState } from '../../domain/player/state.js';
import { reject } from '../../domain/shared/errors.js';
import { WrongExpectedRevisionError } from '../../gateways/event-store/errors.js';
import type { EventStore, JsonObject, Position } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { getAlbum, getTracks } from '../../projections/sql/catalog.js';
import { storedPlayerState } from '../../projections/sql/player.js';
import { playlistItems } from '../../projections/sql/playlist-items.js';
import { TooMuchContentionError, type CommandMetadata } from '../handle-command.js';
import { Lru } from '../lru.js';
import { accessTo } from '../playlist-access.js';

/** A command as an edge gives it: the user and the time are added here. */
export type PlayerRequest = PlayerCommand extends infer C ? (C extends PlayerCommand ? Omit<C, 'userId' | 'at'> : never) : never;

export interface PlayerOutcome {
  /** False when the command changed nothing: stale (made against an older state) or already so. */
  applied: boolean;
  stale: boolean;
  state: PlayerState;
  position: Position | undefined;
}

export interface PlayerChange {
  userId: string;
  before: PlayerState;
  after: PlayerState;
  events: readonly PlayerEvent[];
}

export interface PlayerDeps {
  store: EventStore;
  sql: SqlClient;
  now: () => Date;
}

/**
 * Appends tried before TOO_MUCH_CONTENTION. Only another node writing the same user's player at
 * the same instant makes one fail; a busy moment from several devices on two nodes (the property
 * test's) took five in a row, so the loser waits a little, a random 0-2^attempt ms, and tries again.
 */
const MAX_ATTEMPTS = 10;
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));

export class PlayerService {
  private readonly states = new Lru<string, PlayerState>(20_000);
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(change: PlayerChange) => void>();

  constructor(private readonly deps: PlayerDeps) {}

  /** Calls `listener` after every change this node makes; returns what stops it. */
  onChange(listener: (change: PlayerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The user's current player state (the read model's, and the events after it). */
  async state(userId: string): Promise<PlayerState> {
    const known = this.states.get(userId) ?? (await storedPlayerState(this.deps.sql, userId)) ?? initialPlayerState;
    let state = known;
    for await (const e of this.deps.store.readStream(playerStream(userId), { fromRevision: BigInt(known.version) })) {
      state = evolvePlayer(state, { type: e.type, data: e.data } as unknown as PlayerEvent);
    }
    if (state !== known) this.states.set(userId, state);
    return state;
  }

  /** Runs a command of `userId`'s, after those of theirs already running on this node. */
  execute(userId: string, request: PlayerRequest, metadata: CommandMetadata = {}): Promise<PlayerOutcome> {
    const previous = this.running.get(userId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.run(userId, request, metadata));
    this.running.set(userId, run);
    void run.finally(() => {
      if (this.running.get(userId) === run) this.running.delete(userId);
    }).catch(() => undefined);
    return run;
  }

  private async run(userId: string, request: PlayerRequest, metadata: CommandMetadata): Promise<PlayerOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const before = await this.state(userId);
      const command = { ...request, userId, at: this.deps.now().toISOString() } as PlayerCommand;
      const events = playerDecider.decide(command, before);
      if (events.length === 0) return { applied: false, stale: isStale(command, before), state: before, position: undefined };
      const batch = events.map((e) => ({ id: uuidv7(), type: e.type, data: e.data as unknown as JsonObject, metadata: meta(metadata) }));
      try {
        const expectedRevision = before.version === 0 ? 'no_stream' : BigInt(before.version - 1);
        const result = await this.deps.store.append(playerStream(userId), batch, { expectedRevision });
        const after = events.reduce(evolvePlayer, before);
        this.states.set(userId, after);
        this.emit({ userId, before, after, events });
        return { applied: true, stale: false, state: after, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        // Another node appended first: the next attempt reads its events and decides again.
        if (attempt >= MAX_ATTEMPTS) throw new TooMuchContentionError(playerStream(userId), attempt);
        await backoff(attempt);
      }
    }
  }

  /** A change another node made (heard through pub/sub or the store): this node's copy moves on. */
  remember(userId: string, state: PlayerState): void {
    const known = this.states.get(userId);
    if (!known || known.version < state.version) this.states.set(userId, state);
  }

  private emit(change: PlayerChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function meta(metadata: CommandMetadata): JsonObject {
  const out: JsonObject = {};
  if (metadata.actorId) out.actorId = metadata.actorId;
  if (metadata.correlationId) out.correlationId = metadata.correlationId;
  if (metadata.causationId) out.causationId = metadata.causationId;
  return out;
}

/** The tracks to play: those given (each must be in the catalog), or those of an album or a playlist the user may see. */
export async function tracksToPlay(
  deps: PlayerDeps,
  userId: string,
  request: { trackIds?: readonly string[]; context?: PlayerContext },
): Promise<string[]> {
  if (request.trackIds) {
    await checkTracksExist(deps, request.trackIds);
    return [...request.trackIds];
  }
  const context = request.context;
  if (!context) return reject('VALIDATION_FAILED', 'give trackIds or a context');
  switch (context.type) {
    case 'album': {
      const album = await getAlbum(deps.sql, context.id);
      if (!album) reject('ALBUM_NOT_FOUND', `album ${context.id} does not exist`);
      return album!.tracks.map((t) => t.id).slice(0, MAX_TRACKS);
    }
    case 'playlist': {
      const access = await accessTo(deps, context.id, userId);
      if (access === 'not_found' || access === 'none' || access === 'deleted') reject('PLAYLIST_NOT_FOUND', `playlist ${context.id} does not exist`);
      const items = await playlistItems(deps.sql, context.id);
      if (items.length === 0) reject('VALIDATION_FAILED', `playlist ${context.id} has no tracks to play`);
      return items.map((i) => i.trackId).slice(0, MAX_TRACKS);
    }
    default:
      return reject('VALIDATION_FAILED', `a ${context.type} context needs its trackIds`);
  }
}

export async function checkTracksExist(deps: PlayerDeps, trackIds: readonly string[]): Promise<void> {
  const known = await getTracks(deps.sql, [...new Set(trackIds)]);
  const missing = trackIds.find((id) => !known.has(id));
  if (missing !== undefined) reject('TRACK_NOT_FOUND', `track ${missing} does not exist`);
}
