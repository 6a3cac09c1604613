/**
 * Random but valid domain histories for property tests. fast-check generates commands over small
 * pools of ids (so that follows and unfollows collide and playlists change hands), with times
 * derived from generated offsets (never the clock); `buildHistory` runs them through the real
 * deciders in memory, keeps what they decide and skips what they reject, exactly as the command
 * handlers would against the store. `PlaylistEdited` (decided by the sync server's document) is
 * produced directly, for playlists that exist and editors who may edit them.
 */
import fc from 'fast-check';
import * as Y from 'yjs';
import { catalogDecider, type CatalogState } from '../../domain/catalog/decider.js';
import { catalogStream } from '../../domain/catalog/events.js';
import { listensDecider, PLAY_MARGIN_MS } from '../../domain/listens/decider.js';
import { PLAY_CONTEXT_TYPES, listensStream, type PlayContext } from '../../domain/listens/events.js';
import { canEdit, canRead } from '../../domain/playlist/access.js';
import { ChangeTracker, describe as describeDocument, insertTracks, listEntries, moveRange, removeEntries, rename as renameDocument } from '../../domain/playlist/document.js';
import { playlistDecider, type PlaylistCommand, type PlaylistState } from '../../domain/playlist/decider.js';
import { playlistStream, type PlaylistChange, type PlaylistEvent } from '../../domain/playlist/events.js';
import type { Decider, DomainEvent } from '../../domain/shared/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import { seededRandom } from '../../domain/shared/seeded-random.js';
import { userDecider, type UserCommand, type UserState } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';

export const USERS = ['u1', 'u2', 'u3', 'u4'] as const;
export const ARTISTS = ['a1', 'a2', 'a3'] as const;
export const PLAYLISTS = ['p1', 'p2', 'p3'] as const;
const ALBUMS = ['x', 'y'] as const;

/**
 * Times are offsets from a fixed instant. It lies in the future so that chart day buckets (which
 * expire a week after their day, by the wall clock) still exist when the test compares them;
 * "ancient" offline plays reach back decades, so that their buckets are already expired.
 */
export const HISTORY_BASE_MS = Date.UTC(2098, 11, 29, 21, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

type Actor = 'owner' | (typeof USERS)[number];
type On = boolean;

export interface PlayIntent {
  /** Index into the tracks released so far (modulo their number). */
  track: number;
  /** Clamped to what the track allows (its length plus the margin). */
  msPlayed: number;
  when: { kind: 'live' } | { kind: 'offline'; backMs: number } | { kind: 'ancient'; backDays: number } | { kind: 'skew'; aheadMs: number };
  context?: { type: (typeof PLAY_CONTEXT_TYPES)[number]; id?: string };
  deviceId?: string;
}

/** One edit of a playlist's document (one Yjs transaction, one PlaylistEdited). */
export type EditOp =
  | { op: 'insert'; tracks: number[]; at: number }
  | { op: 'remove'; entry: number }
  | { op: 'move'; entry: number; before: number }
  | { op: 'rename'; name: string }
  | { op: 'describe'; description: string };

export type Intent = { minutes: number } & (
  | { c: 'register'; user: string; name: string }
  | { c: 'followUser'; user: string; other: string; on: On }
  | { c: 'followArtist'; user: string; artist: string; on: On }
  | { c: 'followPlaylist'; user: string; playlist: string; on: On }
  | { c: 'like'; user: string; track: number; on: On }
  | { c: 'addArtist'; artist: string; name: string; genres: string[] }
  | { c: 'release'; artist: string; album: string; title: string; releaseDate: string; genres: string[]; tracks: Array<{ durationMs: number; genres: string[] }> }
  | { c: 'audio'; artist: string; track: number; uri: string; mimeType: string; bytes?: number }
  | { c: 'play'; user: string; plays: PlayIntent[] }
  | { c: 'createPlaylist'; playlist: string; owner: string; name: string; description: string; public: boolean; collaborative: boolean }
  | { c: 'details'; playlist: string; actor: Actor; name?: string; description?: string }
  | { c: 'visibility'; playlist: string; actor: Actor; public?: boolean; collaborative?: boolean }
  /** `existing`: the playlist's first collaborator instead of `user`, when it has one (role changes, removals). */
  | { c: 'collaborator'; playlist: string; actor: Actor; user: string; existing: boolean; role: 'editor' | 'viewer' | 'remove' }
  | { c: 'deletePlaylist'; playlist: string; actor: Actor }
  /**
   * Collaborative edits through one of two devices (replicas) of the playlist's document; a
   * device that does not catch up first edits concurrently with what the other stored meanwhile.
   */
  | { c: 'edit'; playlist: string; actor: Actor; device: 0 | 1; catchUp: boolean; ops: EditOp[]; seed: number }
);

// Unbiased: fast-check would otherwise favour the first id, and most commands would hit one user.
const user = fc.noBias(fc.constantFrom(...USERS));
const artist = fc.noBias(fc.constantFrom(...ARTISTS));
const playlist = fc.noBias(fc.constantFrom(...PLAYLISTS));
const actor: fc.Arbitrary<Actor> = fc.oneof({ weight: 3, arbitrary: fc.constant<Actor>('owner') }, { weight: 1, arbitrary: user });
const on = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) });
const name = fc.constantFrom('Mix', 'Road trip', 'Été 98', ' Spaced out ', 'Bohemian Rhapsody', 'Beyoncé');
const description = fc.constantFrom('', 'chill', 'loud songs', "it's \"quoted\"");
const genres = fc.uniqueArray(fc.constantFrom('rock', 'Pop', 'jazz', 'hip-hop'), { maxLength: 2 });
const trackIndex = fc.nat({ max: 20 });

const play: fc.Arbitrary<PlayIntent> = fc.record(
  {
    track: trackIndex,
    // Around the 30 s chart threshold, short skips, and whole plays.
    msPlayed: fc.oneof(fc.integer({ min: 29_990, max: 30_010 }), fc.integer({ min: 0, max: 29_999 }), fc.integer({ min: 30_000, max: 400_000 })),
    when: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: 'live' as const }) },
      // Round offsets make plays of one user at the same instant (ties decide which is latest).
      {
        weight: 3,
        arbitrary: fc
          .oneof(fc.integer({ min: 0, max: 10 * DAY }), fc.constantFrom(MINUTE, 60 * MINUTE, DAY))
          .map((backMs) => ({ kind: 'offline' as const, backMs })),
      },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 30_000 }).map((backDays) => ({ kind: 'ancient' as const, backDays })) },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.integer({ min: 0, max: 5 * MINUTE }), fc.constant(5 * MINUTE)).map((aheadMs) => ({ kind: 'skew' as const, aheadMs })),
      },
    ),
    context: fc.oneof(
      fc.constant({ type: 'search' as const }),
      fc.record({ type: fc.constantFrom(...PLAY_CONTEXT_TYPES), id: fc.constantFrom('p1', 'a1.x', 'a2') }),
    ),
    deviceId: fc.constantFrom('phone', 'web'),
  },
  { requiredKeys: ['track', 'msPlayed', 'when'] },
);

const register = fc.record({ c: fc.constant('register' as const), user, name });
const addArtist = fc.record({ c: fc.constant('addArtist' as const), artist, name, genres });
const release = fc.record({
  c: fc.constant('release' as const),
  artist,
  album: fc.constantFrom(...ALBUMS),
  title: name,
  releaseDate: fc.constantFrom('1975', '1975-10', '2098-12-31'),
  genres,
  tracks: fc.array(fc.record({ durationMs: fc.integer({ min: 20_000, max: 400_000 }), genres }), { minLength: 1, maxLength: 3 }),
});
const createPlaylist = fc.record({
  c: fc.constant('createPlaylist' as const),
  playlist,
  owner: user,
  name,
  description,
  public: fc.boolean(),
  collaborative: fc.boolean(),
});

/** Minutes since the previous command: 0 makes ties (the same instant); a few days at most. */
const minutes = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 90, max: 3 * 24 * 60 }));

const at = (m: number) => (intent: Omit<Intent, 'minutes'>) => ({ minutes: m, ...intent }) as Intent;

/**
 * What a history starts with, so that most later commands have someone and something to act
 * on: a few users registered, artists added, albums released, playlists created.
 */
const setup: fc.Arbitrary<Intent[]> = fc
  .tuple(
    fc.uniqueArray(register, { selector: (r) => r.user, minLength: 2, maxLength: USERS.length }),
    fc.uniqueArray(addArtist, { selector: (a) => a.artist, minLength: 1, maxLength: ARTISTS.length }),
    fc.array(release, { minLength: 1, maxLength: 4 }),
    fc.array(createPlaylist, { minLength: 1, maxLength: 3 }),
  )
  .map((parts) => parts.flat().map(at(1)));

const command: fc.Arbitrary<Intent> = fc
  .tuple(
    minutes,
    fc.oneof(
      { weight: 1, arbitrary: register },
      { weight: 6, arbitrary: fc.record({ c: fc.constant('followUser' as const), user, other: user, on }) },
      { weight: 3, arbitrary: fc.record({ c: fc.constant('followArtist' as const), user, artist, on }) },
      { weight: 3, arbitrary: fc.record({ c: fc.constant('followPlaylist' as const), user, playlist, on }) },
      { weight: 3, arbitrary: fc.record({ c: fc.constant('like' as const), user, track: trackIndex, on }) },
      { weight: 2, arbitrary: addArtist },
      { weight: 3, arbitrary: release },
      {
        weight: 1,
        arbitrary: fc.record(
          {
            c: fc.constant('audio' as const),
            artist,
            track: trackIndex,
            uri: fc.constantFrom('s3://audio/1.flac', 's3://audio/2.ogg'),
            mimeType: fc.constantFrom('audio/flac', 'audio/ogg'),
            bytes: fc.nat({ max: 10_000_000 }),
          },
          { requiredKeys: ['c', 'artist', 'track', 'uri', 'mimeType'] },
        ),
      },
      { weight: 6, arbitrary: fc.record({ c: fc.constant('play' as const), user, plays: fc.array(play, { minLength: 1, maxLength: 1 }) }) },
      // A device uploading plays it recorded offline: many plays, one append (sometimes more than
      // the 50 recent plays kept per user).
      { weight: 1, arbitrary: fc.record({ c: fc.constant('play' as const), user, plays: fc.array(play, { minLength: 2, maxLength: 30 }) }) },
      { weight: 1, arbitrary: fc.record({ c: fc.constant('play' as const), user, plays: fc.array(play, { minLength: 30, maxLength: 60, size: 'max' }) }) },
      { weight: 3, arbitrary: createPlaylist },
      {
        weight: 2,
        arbitrary: fc.record(
          { c: fc.constant('details' as const), playlist, actor, name, description },
          { requiredKeys: ['c', 'playlist', 'actor'] },
        ),
      },
      {
        weight: 2,
        arbitrary: fc.record(
          { c: fc.constant('visibility' as const), playlist, actor, public: fc.boolean(), collaborative: fc.boolean() },
          { requiredKeys: ['c', 'playlist', 'actor'] },
        ),
      },
      {
        weight: 5,
        arbitrary: fc.record({ c: fc.constant('collaborator' as const), playlist, actor, user, existing: fc.boolean(), role: fc.constantFrom('editor' as const, 'viewer' as const, 'remove' as const) }),
      },
      { weight: 1, arbitrary: fc.record({ c: fc.constant('deletePlaylist' as const), playlist, actor }) },
      {
        weight: 4,
        arbitrary: fc.record({
          c: fc.constant('edit' as const),
          playlist,
          actor,
          device: fc.constantFrom(0 as const, 1 as const),
          catchUp: fc.boolean(),
          ops: fc.array(
            fc.oneof(
              { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), tracks: fc.array(trackIndex, { minLength: 1, maxLength: 3 }), at: fc.nat({ max: 10 }) }) },
              { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), entry: fc.nat({ max: 10 }) }) },
              { weight: 2, arbitrary: fc.record({ op: fc.constant('move' as const), entry: fc.nat({ max: 10 }), before: fc.nat({ max: 10 }) }) },
              { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), name }) },
              { weight: 1, arbitrary: fc.record({ op: fc.constant('describe' as const), description }) },
            ),
            { minLength: 1, maxLength: 4 },
          ),
          seed: fc.nat(),
        }),
      },
    ),
  )
  .map(([m, intent]) => at(m)(intent));

/** Commands of a history (before the deciders have had their say): a setup, then anything. */
export const historyIntents = (maxLength: number): fc.Arbitrary<Intent[]> =>
  fc
    // Unbiased lengths: fast-check's first runs would otherwise be tiny histories.
    .tuple(setup, fc.noBias(fc.array(command, { maxLength, size: 'max' })))
    .map(([first, then]) => [...first, ...then]);

/** A history of plays only: a listener and an artist with an album, then plays (1 to `maxPlays` commands). */
export const listeningIntents = (maxPlays: number): fc.Arbitrary<Intent[]> =>
  fc
    .tuple(
      release.map((r) => ({ ...r, artist: 'a1' })),
      fc.array(
        fc.tuple(minutes, fc.array(play, { minLength: 1, maxLength: 3 })).map(([m, plays]) => ({ minutes: m, c: 'play' as const, user: 'u1', plays })),
        { minLength: 1, maxLength: maxPlays },
      ),
    )
    .map(([album, plays]): Intent[] => [
      { minutes: 1, c: 'register', user: 'u1', name: 'Listener' },
      { minutes: 1, c: 'addArtist', artist: 'a1', name: 'Artist', genres: [] },
      at(1)(album),
      ...plays,
    ]);

/** One append: a command's events, on its stream. */
export interface HistoryAppend {
  stream: string;
  events: DomainEvent[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs `intents` through the deciders; what they reject is skipped. */
export function buildHistory(intents: readonly Intent[]): HistoryAppend[] {
  const appends: HistoryAppend[] = [];
  const states = new Map<string, unknown>();
  /** Every released track, in release order, with its length and artist. */
  const tracks: Array<{ trackId: string; artistId: string; durationMs: number }> = [];
  let now = HISTORY_BASE_MS;
  const documents = new PlaylistDocuments();

  function decide<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, stream: string, commandToRun: C): E[] {
    const state = (states.has(stream) ? states.get(stream) : decider.initialState) as S;
    let events: E[];
    try {
      events = decider.decide(commandToRun, state);
    } catch (error) {
      if (error instanceof DomainError) return [];
      throw error;
    }
    if (events.length === 0) return [];
    states.set(stream, events.reduce(decider.evolve, state));
    appends.push({ stream, events });
    return events;
  }
  const userState = (id: string) => (states.get(userStream(id)) ?? userDecider.initialState) as UserState;
  const playlistState = (id: string) => (states.get(playlistStream(id)) ?? playlistDecider.initialState) as PlaylistState;
  const catalogState = (id: string) => (states.get(catalogStream(id)) ?? catalogDecider.initialState) as CatalogState;
  const registered = (id: string) => userState(id).status === 'registered';
  /** Commands about a playlist that was never created act on the first one that was, if any. */
  const known = (wanted: string) => (playlistState(wanted).status !== 'none' ? wanted : (PLAYLISTS.find((p) => playlistState(p).status !== 'none') ?? wanted));
  const actorOf = (playlistId: string, who: Actor) => {
    const state = playlistState(playlistId);
    return who === 'owner' ? (state.status === 'none' ? 'u1' : state.ownerId) : who;
  };
  /**
   * Undoing needs something done: when the user does not follow (like) `wanted`, they undo the
   * first one they do; when they follow (like) nothing, the first user who does undoes theirs. So
   * unfollows come about as often as follows, and often soon after them.
   */
  const undoing = (userId: string, what: 'following' | 'artists' | 'playlists' | 'likes', wanted: string): [string, string] => {
    const own = userState(userId);
    if (own.status === 'registered' && (own[what].has(wanted) || own[what].size > 0)) return [userId, own[what].has(wanted) ? wanted : [...own[what]][0]!];
    for (const other of USERS) {
      const state = userState(other);
      if (state.status === 'registered' && state[what].size > 0) return [other, [...state[what]][0]!];
    }
    return [userId, wanted];
  };
  const collaboratorOf = (playlistId: string, wanted: string, existing: boolean) => {
    const state = playlistState(playlistId);
    if (!existing || state.status === 'none' || state.collaborators.has(wanted)) return wanted;
    return [...state.collaborators.keys()][0] ?? wanted;
  };
  const onUser = (command: UserCommand) => decide(userDecider, userStream(command.userId), command);
  const unfollow = (
    what: 'following' | 'artists' | 'playlists' | 'likes',
    make: (userId: string, target: string) => UserCommand,
    userId: string,
    wanted: string,
  ): UserCommand => make(...undoing(userId, what, wanted));
  const onPlaylist = (command: PlaylistCommand) => decide(playlistDecider, playlistStream(command.playlistId), command);

  for (let intent of intents) {
    now += intent.minutes * MINUTE;
    const at = iso(now);
    if ('playlist' in intent && intent.c !== 'createPlaylist') intent = { ...intent, playlist: known(intent.playlist) };
    switch (intent.c) {
      case 'register':
        onUser({ type: 'RegisterUser', userId: intent.user, displayName: intent.name, at });
        break;
      case 'followUser':
        onUser(
          intent.on
            ? { type: 'FollowUser', userId: intent.user, followeeId: intent.other, followeeExists: registered(intent.other), at }
            : unfollow('following', (userId, followeeId) => ({ type: 'UnfollowUser', userId, followeeId, at }), intent.user, intent.other),
        );
        break;
      case 'followArtist':
        onUser(
          intent.on
            ? { type: 'FollowArtist', userId: intent.user, artistId: intent.artist, artistExists: catalogState(intent.artist).status === 'added', at }
            : unfollow('artists', (userId, artistId) => ({ type: 'UnfollowArtist', userId, artistId, at }), intent.user, intent.artist),
        );
        break;
      case 'followPlaylist': {
        const p = playlistState(intent.playlist);
        const visible = p.status === 'active' && canRead(p, intent.user);
        onUser(
          intent.on
            ? { type: 'FollowPlaylist', userId: intent.user, playlistId: intent.playlist, playlistVisible: visible, at }
            : unfollow('playlists', (userId, playlistId) => ({ type: 'UnfollowPlaylist', userId, playlistId, at }), intent.user, intent.playlist),
        );
        break;
      }
      case 'like': {
        const track = tracks[intent.track % Math.max(tracks.length, 1)];
        if (!track) break;
        onUser(
          intent.on
            ? { type: 'LikeTrack', userId: intent.user, trackId: track.trackId, trackExists: true, at }
            : unfollow('likes', (userId, trackId) => ({ type: 'UnlikeTrack', userId, trackId, at }), intent.user, track.trackId),
        );
        break;
      }
      case 'addArtist':
        decide(catalogDecider, catalogStream(intent.artist), { type: 'AddArtist', artistId: intent.artist, name: intent.name, genres: intent.genres, at });
        break;
      case 'release': {
        // Ids are the artist's own, so two artists never claim one album or track.
        const albumId = `${intent.artist}.${intent.album}`;
        const released = decide(catalogDecider, catalogStream(intent.artist), {
          type: 'ReleaseAlbum',
          artistId: intent.artist,
          albumId,
          title: intent.title,
          releaseDate: intent.releaseDate,
          genres: intent.genres,
          tracks: intent.tracks.map((t, i) => ({ trackId: `${albumId}.${i + 1}`, title: `Song ${i + 1}`, durationMs: t.durationMs, trackNumber: i + 1, genres: t.genres })),
        });
        for (const event of released) {
          if (event.type !== 'AlbumReleased') continue;
          for (const t of event.data.tracks) tracks.push({ trackId: t.trackId, artistId: intent.artist, durationMs: t.durationMs });
        }
        break;
      }
      case 'audio': {
        const own = tracks.filter((t) => t.artistId === intent.artist);
        const track = own[intent.track % Math.max(own.length, 1)];
        if (!track) break;
        const audio = intent.bytes === undefined ? { uri: intent.uri, mimeType: intent.mimeType } : { uri: intent.uri, mimeType: intent.mimeType, bytes: intent.bytes };
        decide(catalogDecider, catalogStream(intent.artist), { type: 'AttachTrackAudio', artistId: intent.artist, trackId: track.trackId, audio, at });
        break;
      }
      case 'play': {
        if (!registered(intent.user)) break;
        const stream = listensStream(intent.user);
        const events: DomainEvent[] = [];
        for (const p of intent.plays) {
          const track = tracks[p.track % Math.max(tracks.length, 1)];
          if (!track) continue;
          const playedAtMs =
            p.when.kind === 'live' ? now : p.when.kind === 'offline' ? now - p.when.backMs : p.when.kind === 'ancient' ? now - p.when.backDays * DAY : now + p.when.aheadMs;
          const context: PlayContext | undefined = p.context && (p.context.id === undefined ? { type: p.context.type } : { type: p.context.type, id: p.context.id });
          try {
            events.push(
              ...listensDecider.decide(
                {
                  type: 'RecordPlay',
                  userId: intent.user,
                  trackId: track.trackId,
                  trackDurationMs: track.durationMs,
                  msPlayed: Math.min(p.msPlayed, track.durationMs + PLAY_MARGIN_MS),
                  playedAt: iso(playedAtMs),
                  ...(context ? { context } : {}),
                  ...(p.deviceId ? { deviceId: p.deviceId } : {}),
                  at,
                },
                null,
              ),
            );
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
        }
        if (events.length > 0) appends.push({ stream, events });
        break;
      }
      case 'createPlaylist':
        if (!registered(intent.owner)) break;
        onPlaylist({
          type: 'CreatePlaylist',
          playlistId: intent.playlist,
          ownerId: intent.owner,
          name: intent.name,
          description: intent.description,
          public: intent.public,
          collaborative: intent.collaborative,
          at,
        });
        break;
      case 'details':
        onPlaylist({
          type: 'ChangePlaylistDetails',
          playlistId: intent.playlist,
          actorId: actorOf(intent.playlist, intent.actor),
          ...(intent.name === undefined ? {} : { name: intent.name }),
          ...(intent.description === undefined ? {} : { description: intent.description }),
          at,
        });
        break;
      case 'visibility':
        onPlaylist({
          type: 'ChangePlaylistVisibility',
          playlistId: intent.playlist,
          actorId: actorOf(intent.playlist, intent.actor),
          ...(intent.public === undefined ? {} : { public: intent.public }),
          ...(intent.collaborative === undefined ? {} : { collaborative: intent.collaborative }),
          at,
        });
        break;
      case 'collaborator': {
        const actorId = actorOf(intent.playlist, intent.actor);
        const userId = collaboratorOf(intent.playlist, intent.user, intent.existing);
        onPlaylist(
          intent.role === 'remove'
            ? { type: 'RemoveCollaborator', playlistId: intent.playlist, actorId, userId, at }
            : { type: 'SetCollaborator', playlistId: intent.playlist, actorId, userId, role: intent.role, userExists: registered(userId), at },
        );
        break;
      }
      case 'deletePlaylist':
        onPlaylist({ type: 'DeletePlaylist', playlistId: intent.playlist, actorId: actorOf(intent.playlist, intent.actor), at });
        break;
      case 'edit': {
        // Decided by the sync server: whoever may edit an existing playlist, one event per edit.
        const p = playlistState(intent.playlist);
        const editor = actorOf(intent.playlist, intent.actor);
        if (p.status !== 'active' || !canEdit(p, editor)) break;
        const edits = documents.edit(intent.playlist, intent, editor, at, (n) => tracks[n % Math.max(tracks.length, 1)]?.trackId);
        if (edits.length === 0) break;
        const events: PlaylistEvent[] = edits.map(({ update, changes }) => ({
          type: 'PlaylistEdited',
          data: { playlistId: intent.playlist, update: Buffer.from(update).toString('base64'), changes, editedBy: editor, at },
        }));
        states.set(playlistStream(intent.playlist), events.reduce(playlistDecider.evolve, p));
        appends.push({ stream: playlistStream(intent.playlist), events });
        break;
      }
      default: {
        const never: never = intent;
        throw new Error(`unknown intent ${JSON.stringify(never)}`);
      }
    }
  }
  return appends;
}

/**
 * The playlists' collaborative documents as two devices of each see them. Every edit is a Yjs
 * transaction on one device's copy; its update is what PlaylistEdited stores (with the semantic
 * changes the ChangeTracker saw). A device catches up by applying the updates stored since it
 * last did. Client ids, entry ids and position-key jitter are derived from the intent, so a
 * history is the same bytes every time it is built.
 */
class PlaylistDocuments {
  private readonly byPlaylist = new Map<string, { stored: Uint8Array[]; devices: Array<{ doc: Y.Doc; tracker: ChangeTracker; seen: number }> }>();
  private entries = 0;

  edit(
    playlistId: string,
    intent: Extract<Intent, { c: 'edit' }>,
    editor: string,
    at: string,
    trackOf: (index: number) => string | undefined,
  ): Array<{ update: Uint8Array; changes: PlaylistChange[] }> {
    const playlist = this.playlist(playlistId);
    const device = playlist.devices[intent.device]!;
    if (intent.catchUp) {
      for (const update of playlist.stored.slice(device.seen)) Y.applyUpdate(device.doc, update, 'store');
      device.seen = playlist.stored.length;
    }
    const random = seededRandom(intent.seed);
    const made: Array<{ update: Uint8Array; changes: PlaylistChange[] }> = [];
    const record = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      const changes = device.tracker.take(transaction);
      if (origin === 'client') made.push({ update, changes });
    };
    device.doc.on('update', record);
    try {
      for (const op of intent.ops) {
        const entries = listEntries(device.doc);
        switch (op.op) {
          case 'insert': {
            const trackIds = op.tracks.map(trackOf).filter((t): t is string => t !== undefined);
            if (trackIds.length === 0) break;
            insertTracks(device.doc, trackIds, op.at % (entries.length + 1), {
              addedBy: editor,
              addedAt: at,
              newId: () => `${playlistId}-e${(this.entries += 1)}`,
              random,
              origin: 'client',
            });
            break;
          }
          case 'remove': {
            const entry = entries[op.entry % Math.max(entries.length, 1)];
            if (entry) removeEntries(device.doc, [entry.entryId], 'client');
            break;
          }
          case 'move':
            if (entries.length > 1) moveRange(device.doc, op.entry % entries.length, op.before % (entries.length + 1), 1, { random, origin: 'client' });
            break;
          case 'rename':
            renameDocument(device.doc, op.name.trim(), 'client');
            break;
          case 'describe':
            describeDocument(device.doc, op.description, 'client');
            break;
        }
      }
    } finally {
      device.doc.off('update', record);
    }
    playlist.stored.push(...made.map((m) => m.update));
    return made;
  }

  private playlist(playlistId: string) {
    let playlist = this.byPlaylist.get(playlistId);
    if (!playlist) {
      const base = (PLAYLISTS.indexOf(playlistId as (typeof PLAYLISTS)[number]) + 1) * 10;
      playlist = {
        stored: [],
        devices: [0, 1].map((device) => {
          const doc = new Y.Doc();
          doc.clientID = base + device;
          return { doc, tracker: new ChangeTracker(doc), seen: 0 };
        }),
      };
      this.byPlaylist.set(playlistId, playlist);
    }
    return playlist;
  }
}

/** Deterministic event ids (a fresh store per history): the n-th event of the history. */
export const historyEventId = (n: number) => `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

/** One line per appended event, for failure messages. */
export function describeHistory(appends: readonly HistoryAppend[]): string {
  const lines: string[] = [];
  let n = 0;
  for (const append of appends) {
    for (const event of append.events) lines.push(`  #${(n += 1)} ${append.stream} ${event.type} ${JSON.stringify(event.data)}`);
  }
  return lines.join('\n');
}
