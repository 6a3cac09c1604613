/**
 * The player use cases the HTTP routes and the player socket share: run a command from any device
 * against the user's player, read the state, and hear about every change (the socket edge sends
 * it to the user's devices, here and, through pub/sub, on other nodes).
 *
 * A command starts from this node's copy of the state (kept after the first read, and moved on by
 * this node's changes and those heard from other nodes), decides, and appends at that version,
 * with no read before: the store refuses the append when another node got there first, and then
 * the command reads the new events (after the copy, or after the `player` read model's row) and
 * decides again. Commands of one user on one node run one at a time, so two devices pressing at
 * once are ordered here without a retry. The appends of different users' commands that arrive
 * together are stored together (one transaction).
 */
import { MAX_TRACKS, isStale, playerDecider, type PlayerCommand } from '../../domain/player/decider.js';
import { playerStream, type PlayerContext, type PlayerEvent } from '../../domain/player/events.js';
import { evolvePlayer, initialPlayerState, type PlayerState } from '../../domain/player/state.js';
import { reject } from '../../domain/shared/errors.js';
import { WrongExpectedRevisionError } from '../../gateways/event-store/errors.js';
import type { AppendResult, EventStore, JsonObject, Position, StreamAppend } from '../../gateways/event-store/port.js';
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

  private readonly appends: AppendBatcher;

  constructor(private readonly deps: PlayerDeps) {
    this.appends = new AppendBatcher(deps.store);
  }

  /** Calls `listener` after every change this node makes; returns what stops it. */
  onChange(listener: (change: PlayerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The user's current player state (the read model's, and the events after it). */
  async state(userId: string): Promise<PlayerState> {
    const cached = this.states.get(userId);
    const known = cached ?? (await storedPlayerState(this.deps.sql, userId)) ?? initialPlayerState;
    let state = known;
    for await (const e of this.deps.store.readStream(playerStream(userId), { fromRevision: BigInt(known.version) })) {
      state = evolvePlayer(state, { type: e.type, data: e.data } as unknown as PlayerEvent);
    }
    if (state !== cached) this.states.set(userId, state);
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

  /**
   * Decides on this node's copy of the state when it has one, without reading the store first:
   * the append at the copy's version is the check. When another node appended meanwhile (a
   * change not heard of yet) the append is refused, and the next attempt reads the store. A
   * command that would change nothing is not answered from the copy alone: the store is read, so
   * that "stale" and the state it is answered with are the newest stored; nor is one refused on
   * the copy (a device registered on another node, a player started there).
   */
  private async run(userId: string, request: PlayerRequest, metadata: CommandMetadata): Promise<PlayerOutcome> {
    let trustCopy = true;
    for (let attempt = 1; ; attempt += 1) {
      const copy = trustCopy ? this.states.get(userId) : undefined;
      const before = copy ?? (await this.state(userId));
      const command = { ...request, userId, at: this.deps.now().toISOString() } as PlayerCommand;
      let events: PlayerEvent[] | undefined;
      try {
        events = playerDecider.decide(command, before);
      } catch (error) {
        if (!copy) throw error;
        // Refused on the copy (an unknown device, nothing playing): the store has the last word.
      }
      // (A device seen lately needs no record, whatever the store says: no one waits for that answer.)
      const unchanged = events?.length === 0 && command.type !== 'SeeDevice';
      if (copy && (events === undefined || unchanged)) {
        trustCopy = false;
        attempt -= 1; // a read, not a failed append
        continue;
      }
      if (events === undefined || events.length === 0) {
        return { applied: false, stale: isStale(command, before), state: before, position: undefined };
      }
      const batch = events.map((e) => ({ id: uuidv7(), type: e.type, data: e.data as unknown as JsonObject, metadata: meta(metadata) }));
      try {
        const expectedRevision = before.version === 0 ? 'no_stream' : BigInt(before.version - 1);
        const result = await this.appends.append({ stream: playerStream(userId), events: batch, options: { expectedRevision } });
        const after = events.reduce(evolvePlayer, before);
        this.states.set(userId, after);
        this.emit({ userId, before, after, events });
        return { applied: true, stale: false, state: after, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        // Another node appended first: the next attempt reads its events and decides again. A copy
        // ahead of the store (a state heard on pub/sub that was never stored) is dropped, so that
        // the read starts from the read model.
        if (error.actual === 'no_stream' || Number(error.actual) + 1 < before.version) this.states.delete(userId);
        if (attempt >= MAX_ATTEMPTS) throw new TooMuchContentionError(playerStream(userId), attempt);
        // Only a conflict after a read of the store is a race worth backing off from.
        if (!copy) await backoff(attempt);
        trustCopy = false;
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

/**
 * The appends of the commands that came in one turn of the event loop (many users' commands read
 * from many sockets) go to the store together, as one `appendMany`: on Postgres one transaction
 * and one commit for the lot instead of one each. Each append is still answered on its own (a
 * conflict fails only its command). Alone, an append waits for no more than the rest of the turn.
 */
class AppendBatcher {
  private pending: Array<{ append: StreamAppend; resolve(result: AppendResult): void; reject(error: unknown): void }> = [];

  constructor(private readonly store: EventStore) {}

  append(append: StreamAppend): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ append, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.store.appendMany(batch.map((p) => p.append)).then(
      (outcomes) => outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.result) : batch[i]!.reject(outcome.error))),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
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

