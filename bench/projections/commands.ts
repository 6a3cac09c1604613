/**
 * What people do in the world, as commands decided by the domain's own deciders on the state of
 * their stream at the time: every event written here is valid by construction. Each function
 * returns what one append writes, or undefined when it found nobody to do it or the decider
 * recorded nothing (following someone already followed).
 */
import { decideCatalog, evolveCatalog } from '../../domain/catalog/decider.js';
import { catalogStream, type CatalogEvent } from '../../domain/catalog/events.js';
import { decideListens } from '../../domain/listens/decider.js';
import { listensStream, type PlayContext } from '../../domain/listens/events.js';
import * as Y from 'yjs';
import { decidePlaylist, evolvePlaylist, type ActivePlaylist, type PlaylistCommand } from '../../domain/playlist/decider.js';
import { ChangeTracker, describe, insertTracks, listEntries, moveRange, removeEntries, rename } from '../../domain/playlist/document.js';
import { playlistStream, type PlaylistChange, type PlaylistEdited } from '../../domain/playlist/events.js';
import type { DomainEvent } from '../../domain/shared/decider.js';
import { decideUser, evolveUser, type UserCommand } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import type { JsonObject, NewEvent } from '../../gateways/event-store/port.js';
import { HOUR, NOUNS, iso, label, title, type Album, type Artist, type Playlist, type Track, type User, type World } from './world.js';

/** One append, and what it refers to and makes (`user:<id>`, `album:<id>`, ...), for the order of loading. */
export interface Written {
  at: number;
  stream: string;
  events: NewEvent[];
  needs: string[];
  makes: string[];
}

export type Act = (world: World, at: number) => Written | undefined;

const SKIPS = 0.15;
export const OFFLINE = 0.05;
const CONTEXTS: readonly PlayContext['type'][] = ['album', 'album', 'album', 'playlist', 'playlist', 'artist', 'recommendation', 'recommendation', 'search', 'search'];

function write(world: World, at: number, stream: string, events: readonly DomainEvent[], actorId?: string, needs: string[] = [], makes: string[] = []): Written | undefined {
  if (events.length === 0) return undefined;
  const metadata = actorId ? { actorId } : {};
  const written = events.map((e): NewEvent => {
    const event: NewEvent = { id: world.random.uuid(at), type: e.type, data: e.data as JsonObject, metadata };
    if (!world.live) event.occurredAt = iso(at);
    return event;
  });
  return { at, stream, events: written, needs, makes };
}

function onUser(world: World, at: number, user: User, command: UserCommand, needs: string[] = []): Written | undefined {
  const events = decideUser(command, user.state);
  user.state = events.reduce(evolveUser, user.state);
  return write(world, at, userStream(user.id), events, user.id, needs);
}

function onPlaylist(world: World, at: number, playlist: Playlist, command: PlaylistCommand, actorId: string, needs: string[] = [], makes: string[] = []): Written | undefined {
  const events = decidePlaylist(command, playlist.state);
  playlist.state = events.reduce(evolvePlaylist, playlist.state);
  return write(world, at, playlistStream(playlist.id), events, actorId, needs, makes);
}

/**
 * An edit of a playlist's collaborative document by `actorId` (its owner, or an editor of a
 * collaborative playlist), stored as the sync server stores it: the Yjs update and its changes.
 */
function editDocument(world: World, at: number, playlist: Playlist & { state: ActivePlaylist }, actorId: string, edit: (doc: Y.Doc) => void, needs: string[] = []): Written | undefined {
  const document = (playlist.document ??= newDocument());
  const { doc } = document;
  // Each editor writes as a Yjs client of their own (a fixed id, so the history stays deterministic).
  doc.clientID = Number.parseInt(label(Number.parseInt(actorId.slice(4), 16)), 16);
  let edited: { update: Uint8Array; changes: PlaylistChange[] } | undefined;
  const onUpdate = (update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
    edited = { update, changes: document.changes.take(transaction) };
  };
  doc.on('update', onUpdate);
  try {
    edit(doc);
  } finally {
    doc.off('update', onUpdate);
  }
  if (!edited || edited.changes.length === 0) return undefined;
  const data = { playlistId: playlist.id, update: Buffer.from(edited.update).toString('base64'), changes: edited.changes, editedBy: actorId, at: iso(at) };
  const event: PlaylistEdited = { type: 'PlaylistEdited', data };
  const stream: Playlist = playlist;
  stream.state = evolvePlaylist(stream.state, event);
  return write(world, at, playlistStream(playlist.id), [event], actorId, needs);
}

function newDocument(): { doc: Y.Doc; changes: ChangeTracker } {
  const doc = new Y.Doc();
  return { doc, changes: new ChangeTracker(doc) };
}

/** Who edits a playlist: its owner, or now and then an editor of a collaborative one. */
function editorOf(world: World, playlist: ActivePlaylist): string {
  const editors = [...playlist.collaborators].filter(([, role]) => role === 'editor').map(([id]) => id);
  return playlist.collaborative && editors.length > 0 && world.random.chance(0.4) ? world.random.pick(editors) : playlist.ownerId;
}

/** The artist (when `withArtist`) and `releases`, in one append to the artist's catalog stream (an import). */
export function releaseAlbums(world: World, at: number, artist: Artist, releases: readonly Album[], withArtist: boolean): Written | undefined {
  const { random } = world;
  const events: CatalogEvent[] = [];
  const decide = (command: Parameters<typeof decideCatalog>[0]) => {
    const decided = decideCatalog(command, artist.state);
    artist.state = decided.reduce(evolveCatalog, artist.state);
    events.push(...decided);
  };
  if (withArtist) decide({ type: 'AddArtist', artistId: artist.id, name: artist.name, genres: artist.genres, at: iso(at) });
  for (const album of releases) {
    const tracks = album.tracks.map((t) => ({ trackId: t.id, title: title(random), durationMs: t.durationMs, trackNumber: t.number }));
    decide({ type: 'ReleaseAlbum', artistId: artist.id, albumId: album.id, title: album.title, releaseDate: album.releaseDate, genres: album.genres, tracks });
  }
  const makes = [...(withArtist ? [`artist:${artist.id}`] : []), ...releases.map((a) => `album:${a.id}`)];
  return write(world, at, catalogStream(artist.id), events, undefined, [], makes);
}

/** Audio for `uploaded` tracks of one album, in one append. */
export function uploadAudio(world: World, at: number, album: Album, uploaded: readonly Track[]): Written | undefined {
  const { artist } = album;
  const events = uploaded.flatMap((track) => {
    const audio = { uri: `s3://chorus-audio/${track.id}.${label(Math.floor(at / 1_000))}.ogg`, mimeType: 'audio/ogg', bytes: Math.round(track.durationMs * 20) };
    const decided = decideCatalog({ type: 'AttachTrackAudio', artistId: artist.id, trackId: track.id, audio, at: iso(at) }, artist.state);
    artist.state = decided.reduce(evolveCatalog, artist.state);
    return decided;
  });
  return write(world, at, catalogStream(artist.id), events, undefined, [`album:${album.id}`]);
}

export function register(world: World, at: number, user: User): Written | undefined {
  const written = onUser(world, at, user, { type: 'RegisterUser', userId: user.id, displayName: user.name, at: iso(at) });
  world.registered.push(user);
  written?.makes.push(`user:${user.id}`);
  return written;
}

/**
 * A listening session of up to `plays` plays from `startAt`, reported as one append when it ends
 * (or, made offline, hours later; the plays keep their time): an album played on from a popular
 * track, or popular tracks from a playlist, an artist, search or recommendations.
 */
export function listeningSession(world: World, startAt: number, user: User, plays: number): Written | undefined {
  const { random } = world;
  const first = world.popularTrack(startAt);
  if (!first) return undefined;
  const contextType = random.pick(CONTEXTS);
  const playlist = contextType === 'playlist' && world.playlists.length > 0 ? random.pick(world.playlists) : undefined;
  const context: PlayContext =
    contextType === 'album' ? { type: 'album', id: first.album.id }
    : contextType === 'artist' ? { type: 'artist', id: first.album.artist.id }
    : contextType === 'recommendation' ? { type: 'recommendation', id: `daily-mix-${random.int(1, 6)}` }
    : playlist && playlist.createdAt <= startAt ? { type: 'playlist', id: playlist.id }
    : { type: 'search' };
  const deviceId = random.pick(user.devices);
  const events: DomainEvent[] = [];
  const albums = new Set<string>();
  let clock = startAt;
  let track: Track | undefined = first;
  for (let i = 0; i < plays && track && clock < world.limit; i += 1) {
    const msPlayed = random.chance(SKIPS) ? random.int(1_000, 29_999) : random.chance(0.75) ? track.durationMs : random.int(30_000, track.durationMs);
    const at = iso(Math.min(clock + msPlayed, world.limit));
    const play = { type: 'RecordPlay', userId: user.id, trackId: track.id, trackDurationMs: track.durationMs, msPlayed, playedAt: iso(clock), context, deviceId, at } as const;
    events.push(...decideListens(play, null));
    albums.add(`album:${track.album.id}`);
    clock += msPlayed + random.int(0, 5_000);
    track = context.type === 'album' ? track.album.tracks[track.number] : world.popularTrack(clock);
  }
  const uploadAt = Math.min(random.chance(OFFLINE) ? clock + random.int(1, 72) * HOUR : clock, world.limit);
  return write(world, uploadAt, listensStream(user.id), events, user.id, [`user:${user.id}`, ...albums]);
}

/** One play reported as it ends, or (made offline) hours later: what a client sends live. */
export function livePlay(world: World, at: number): Written | undefined {
  const user = world.activeUser(at);
  const playedAt = at - (world.random.chance(OFFLINE) ? world.random.int(1, 72) * HOUR : 200_000);
  return user && listeningSession(world, playedAt, user, 1);
}

/** Commands per 1,000,000 events of history, each a single append at a random time; also the live mix besides plays. */
export const ACTIONS = {
  followUser: 35_000,
  unfollowUser: 2_000,
  followArtist: 12_000,
  unfollowArtist: 600,
  likeTrack: 25_000,
  unlikeTrack: 1_200,
  createPlaylist: 5_000,
  setCollaborator: 3_000,
  removeCollaborator: 300,
  addTracks: 20_000,
  removeTracks: 1_500,
  moveTracks: 1_500,
  renamePlaylist: 2_500,
  changeVisibility: 500,
  deletePlaylist: 200,
  followPlaylist: 4_000,
  unfollowPlaylist: 300,
  /** The history plans its registrations, releases and uploads apart; these three are for the live mix. */
  registerUser: 600,
  releaseAlbum: 50,
  attachAudio: 100,
} as const;
export type ActionKind = keyof typeof ACTIONS;

/** Someone, picked as the world's laws say, does one thing at `at`. */
export const act: Record<ActionKind, Act> = {
  followUser(world, at) {
    const user = world.anyUser();
    const followee = world.famousUser(at);
    if (!user || !followee || followee === user) return undefined;
    const command: UserCommand = { type: 'FollowUser', userId: user.id, followeeId: followee.id, followeeExists: true, at: iso(at) };
    return onUser(world, at, user, command, [`user:${followee.id}`]);
  },
  unfollowUser(world, at) {
    const user = world.anyUser();
    const followeeId = user?.state.status === 'registered' ? pickFrom(world, user.state.following) : undefined;
    return user && followeeId ? onUser(world, at, user, { type: 'UnfollowUser', userId: user.id, followeeId, at: iso(at) }) : undefined;
  },
  followArtist(world, at) {
    const user = world.anyUser();
    const artist = world.popularArtist();
    if (!user) return undefined;
    const command: UserCommand = { type: 'FollowArtist', userId: user.id, artistId: artist.id, artistExists: true, at: iso(at) };
    return onUser(world, at, user, command, [`artist:${artist.id}`]);
  },
  unfollowArtist(world, at) {
    const user = world.anyUser();
    const artistId = user?.state.status === 'registered' ? pickFrom(world, user.state.artists) : undefined;
    return user && artistId ? onUser(world, at, user, { type: 'UnfollowArtist', userId: user.id, artistId, at: iso(at) }) : undefined;
  },
  likeTrack(world, at) {
    const user = world.activeUser(at);
    const track = world.popularTrack(at);
    if (!user || !track) return undefined;
    const command: UserCommand = { type: 'LikeTrack', userId: user.id, trackId: track.id, trackExists: true, at: iso(at) };
    return onUser(world, at, user, command, [`album:${track.album.id}`]);
  },
  unlikeTrack(world, at) {
    const user = world.anyUser();
    const trackId = user?.state.status === 'registered' ? pickFrom(world, user.state.likes) : undefined;
    return user && trackId ? onUser(world, at, user, { type: 'UnlikeTrack', userId: user.id, trackId, at: iso(at) }) : undefined;
  },
  createPlaylist(world, at) {
    const { random } = world;
    const owner = world.activeUser(at);
    if (!owner) return undefined;
    const playlist: Playlist = { id: random.uuid(at), createdAt: at, state: { status: 'none' } };
    world.playlists.push(playlist);
    const command: PlaylistCommand = {
      type: 'CreatePlaylist',
      playlistId: playlist.id,
      ownerId: owner.id,
      name: `${title(random)} mix`,
      description: random.chance(0.3) ? `Songs for ${random.pick(NOUNS).toLowerCase()} days` : '',
      public: random.chance(0.75),
      collaborative: random.chance(0.3),
      at: iso(at),
    };
    return onPlaylist(world, at, playlist, command, owner.id, [`user:${owner.id}`], [`playlist:${playlist.id}`]);
  },
  setCollaborator(world, at) {
    const playlist = world.activePlaylist((p) => p.collaborative);
    const user = world.anyUser();
    if (!playlist || !user || user.id === playlist.state.ownerId) return undefined;
    const { ownerId } = playlist.state;
    const role = world.random.chance(0.7) ? 'editor' : 'viewer';
    const command: PlaylistCommand = { type: 'SetCollaborator', playlistId: playlist.id, actorId: ownerId, userId: user.id, role, userExists: true, at: iso(at) };
    return onPlaylist(world, at, playlist, command, ownerId, [`user:${user.id}`]);
  },
  removeCollaborator(world, at) {
    const playlist = world.activePlaylist((p) => p.collaborators.size > 0);
    if (!playlist) return undefined;
    const userId = pickFrom(world, new Set(playlist.state.collaborators.keys()))!;
    // Collaborators sometimes leave on their own.
    const actorId = world.random.chance(0.3) ? userId : playlist.state.ownerId;
    return onPlaylist(world, at, playlist, { type: 'RemoveCollaborator', playlistId: playlist.id, actorId, userId, at: iso(at) }, actorId);
  },
  addTracks(world, at) {
    const { random } = world;
    const playlist = world.activePlaylist(() => true);
    const tracks = Array.from({ length: random.int(1, 5) }, () => world.popularTrack(at)).filter((t) => t !== undefined);
    if (!playlist || tracks.length === 0) return undefined;
    const actorId = editorOf(world, playlist.state);
    const needs = tracks.map((t) => `album:${t.album.id}`);
    return editDocument(world, at, playlist, actorId, (doc) => {
      const index = random.chance(0.8) ? undefined : random.int(0, listEntries(doc).length);
      insertTracks(doc, tracks.map((t) => t.id), index, { addedBy: actorId, addedAt: iso(at), newId: () => random.uuid(at), random: random.next });
    }, needs);
  },
  removeTracks(world, at) {
    const playlist = world.activePlaylist(() => true);
    const entries = playlist?.document ? listEntries(playlist.document.doc) : [];
    if (!playlist || entries.length === 0) return undefined;
    const removed = [world.random.pick(entries).entryId, world.random.pick(entries).entryId];
    return editDocument(world, at, playlist, editorOf(world, playlist.state), (doc) => removeEntries(doc, removed));
  },
  moveTracks(world, at) {
    const { random } = world;
    const playlist = world.activePlaylist(() => true);
    const count = playlist?.document ? listEntries(playlist.document.doc).length : 0;
    if (!playlist || count < 2) return undefined;
    return editDocument(world, at, playlist, editorOf(world, playlist.state), (doc) => {
      moveRange(doc, random.int(0, count - 1), random.int(0, count), 1, { random: random.next });
    });
  },
  renamePlaylist(world, at) {
    // With the sync server running, names and descriptions change in the playlist's document.
    const { random } = world;
    const playlist = world.activePlaylist(() => true);
    if (!playlist) return undefined;
    return editDocument(world, at, playlist, editorOf(world, playlist.state), (doc) => {
      if (random.chance(0.8)) rename(doc, `${title(random)} ${random.int(1, 99)}`);
      else describe(doc, `For ${random.pick(NOUNS).toLowerCase()} and ${random.pick(NOUNS).toLowerCase()}`);
    });
  },
  changeVisibility(world, at) {
    const playlist = world.activePlaylist(() => true);
    if (!playlist) return undefined;
    const { ownerId } = playlist.state;
    const change = world.random.chance(0.5) ? { public: !playlist.state.public } : { collaborative: !playlist.state.collaborative };
    return onPlaylist(world, at, playlist, { type: 'ChangePlaylistVisibility', playlistId: playlist.id, actorId: ownerId, ...change, at: iso(at) }, ownerId);
  },
  deletePlaylist(world, at) {
    const playlist = world.activePlaylist(() => true);
    if (!playlist) return undefined;
    const { ownerId } = playlist.state;
    return onPlaylist(world, at, playlist, { type: 'DeletePlaylist', playlistId: playlist.id, actorId: ownerId, at: iso(at) }, ownerId);
  },
  followPlaylist(world, at) {
    const user = world.anyUser();
    const playlist = world.activePlaylist((p) => p.public);
    if (!user || !playlist) return undefined;
    const command: UserCommand = { type: 'FollowPlaylist', userId: user.id, playlistId: playlist.id, playlistVisible: true, at: iso(at) };
    return onUser(world, at, user, command, [`playlist:${playlist.id}`]);
  },
  unfollowPlaylist(world, at) {
    const user = world.anyUser();
    const playlistId = user?.state.status === 'registered' ? pickFrom(world, user.state.playlists) : undefined;
    return user && playlistId ? onUser(world, at, user, { type: 'UnfollowPlaylist', userId: user.id, playlistId, at: iso(at) }) : undefined;
  },
  registerUser: (world, at) => register(world, at, world.newUser(at)),
  releaseAlbum(world, at) {
    // A new single by a popular artist.
    const artist = world.popularArtist();
    return releaseAlbums(world, at, artist, [world.newAlbum(artist, at, 1)], false);
  },
  attachAudio(world, at) {
    const track = world.popularTrack(at);
    return track && uploadAudio(world, at, track.album, [track]);
  },
};

function pickFrom(world: World, set: ReadonlySet<string>): string | undefined {
  let skip = world.random.int(0, set.size - 1);
  for (const value of set) if (skip-- === 0) return value;
  return undefined;
}
