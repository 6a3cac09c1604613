/**
 * The listening model behind recommendations, kept in memory and changed event by event:
 * - track co-occurrence from sessions (see sessions.ts): a play of 30 s or more adds 1 to its
 *   pair with each distinct track in the window before it; a skip takes `skipPenalty` off its
 *   pair with the track it followed (a weak negative, never co-listening). Only a user's first
 *   `userTrackCap` plays (and skips) of a track form pairs, so one listener adds at most
 *   2 × userTrackCap to any pair, however often they loop it;
 * - artist co-occurrence from the same pairs (tracks of two different artists);
 * - popularity per track (all time, and per day for the last week);
 * - each listener's profile (profiles.ts) and the catalog facts the recommenders need.
 *
 * Everything here is a function of the events applied and their order only: no clock, no random.
 * A play touches its own row and its partners' rows, nothing else; similarity is normalised when
 * asked (co-occurrence.ts), so the model after N events is the same however they were batched.
 */
import type { AlbumReleased, ArtistAdded } from '../../domain/catalog/events.js';
import type { TrackPlayed } from '../../domain/listens/events.js';
import { assertNever } from '../../domain/shared/decider.js';
import type { ArtistFollowed, ArtistUnfollowed, TrackLiked, TrackUnliked } from '../../domain/user/events.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { readPlay } from '../cache/plays.js';
import { eventTypes, memberOf, type Recorded } from '../projection.js';
import { CatalogIndex } from './catalog-index.js';
import { CoOccurrence, SIMILARITY_DEFAULTS, type SimilarityParams } from './co-occurrence.js';
import { Interner } from './interner.js';
import { Popularity } from './popularity.js';
import { UserProfile } from './profiles.js';
import { SESSION_DEFAULTS, advanceSession, type SessionConfig } from './sessions.js';

export interface ModelConfig {
  session: SessionConfig;
  /** Only a user's first `userTrackCap` plays (and skips) of a track form pairs. */
  userTrackCap: number;
  /** What a skip takes off its pair with the track before it (a multiple of 1/4). */
  skipPenalty: number;
  similarity: SimilarityParams;
}

export const MODEL_DEFAULTS: ModelConfig = { session: SESSION_DEFAULTS, userTrackCap: 5, skipPenalty: 0.25, similarity: SIMILARITY_DEFAULTS };

/**
 * The events the model reads, picked by name from the domain's unions: plays, the catalog as
 * first released (later catalog revisions, availability and audio change no recommendation
 * input), and the follows and likes of user streams (the rest of a user stream is the account).
 */
export type ModelEvent = TrackPlayed | ArtistAdded | AlbumReleased | ArtistFollowed | ArtistUnfollowed | TrackLiked | TrackUnliked;

export const MODEL_EVENT_TYPES = eventTypes<ModelEvent>({
  TrackPlayed: true,
  ArtistAdded: true,
  AlbumReleased: true,
  ArtistFollowed: true,
  ArtistUnfollowed: true,
  TrackLiked: true,
  TrackUnliked: true,
});
const MODEL_TYPES: ReadonlySet<string> = new Set(MODEL_EVENT_TYPES);

export interface ModelMemory {
  trackPairs: number;
  trackPairBytes: number;
  artistPairs: number;
  artistPairBytes: number;
  profileBytes: number;
  popularityBytes: number;
  totalBytes: number;
}

export class RecsModel {
  readonly tracks = new Interner();
  readonly users = new Interner();
  readonly catalog = new CatalogIndex(this.tracks);
  readonly trackCo: CoOccurrence;
  readonly artistCo: CoOccurrence;
  readonly popularity = new Popularity();
  private readonly profiles: Array<UserProfile | undefined> = [];
  /** Events applied; changes whenever the model does. */
  eventsApplied = 0;
  playsApplied = 0;
  /** The newest `playedAt` seen (Unix ms). */
  newestPlayMs = Number.NEGATIVE_INFINITY;

  constructor(readonly config: ModelConfig = MODEL_DEFAULTS) {
    this.trackCo = new CoOccurrence(config.similarity);
    this.artistCo = new CoOccurrence(config.similarity);
  }

  /** Applies events in order. A malformed event throws before it changes anything. */
  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) this.applyOne(event);
  }

  /** Applies one event; an event of a type the model does not read (not a ModelEvent) changes nothing. */
  applyOne(recorded: RecordedEvent): void {
    const event = memberOf<ModelEvent>(recorded, MODEL_TYPES);
    if (!event) return;
    switch (event.type) {
      case 'TrackPlayed': {
        const play = readPlay(event);
        this.observePlay(play.userId, play.trackId, play.playedAtMs, play.msPlayed);
        break;
      }
      case 'ArtistAdded':
        this.catalog.addArtist(readArtist(event));
        break;
      case 'AlbumReleased':
        this.catalog.releaseAlbum(readAlbum(event));
        break;
      case 'ArtistFollowed':
      case 'ArtistUnfollowed': {
        const { userId, artistId } = readFollow(event);
        const artists = this.profile(userId).followedArtists;
        const artist = this.catalog.artists.intern(artistId);
        if (event.type === 'ArtistFollowed') artists.add(artist);
        else artists.delete(artist);
        break;
      }
      case 'TrackLiked':
      case 'TrackUnliked': {
        const { userId, trackId } = readLike(event);
        const likes = this.profile(userId).likes;
        const track = this.tracks.intern(trackId);
        if (event.type === 'TrackLiked') likes.add(track);
        else likes.delete(track);
        break;
      }
      default:
        assertNever(event);
    }
    this.eventsApplied += 1;
  }

  /** One play: sessions, pairs, popularity, the listener's profile. */
  observePlay(userId: string, trackId: string, playedAtMs: number, msPlayed: number): void {
    const profile = this.profile(userId);
    const track = this.tracks.intern(trackId);
    const step = advanceSession(profile.session, track, playedAtMs, msPlayed, this.config.session);
    const counts = profile.record(track, playedAtMs, step.skip);
    this.playsApplied += 1;
    if (playedAtMs > this.newestPlayMs) this.newestPlayMs = playedAtMs;
    if (step.skip) {
      const before = step.partners[step.partners.length - 1];
      if (before !== undefined && counts.skips <= this.config.userTrackCap) this.trackCo.add(before, track, -this.config.skipPenalty);
      return;
    }
    this.popularity.record(track, playedAtMs);
    if (counts.plays > this.config.userTrackCap) return;
    const artist = this.catalog.artistOf(track);
    for (const partner of step.partners) {
      this.trackCo.add(partner, track, 1);
      const other = this.catalog.artistOf(partner);
      if (artist !== undefined && other !== undefined && other !== artist) this.artistCo.add(artist, other, 1);
    }
  }

  /** The profile of `userId`, undefined if they never did anything the model reads. */
  profileOf(userId: string): UserProfile | undefined {
    const user = this.users.lookup(userId);
    return user === undefined ? undefined : this.profiles[user];
  }

  forEachProfile(visit: (userId: string, profile: UserProfile) => void): void {
    this.profiles.forEach((profile, user) => {
      if (profile) visit(this.users.name(user), profile);
    });
  }

  memory(): ModelMemory {
    let profileBytes = 0;
    for (const profile of this.profiles) if (profile) profileBytes += profile.bytes;
    const trackPairBytes = this.trackCo.bytes;
    const artistPairBytes = this.artistCo.bytes;
    const popularityBytes = this.popularity.bytes;
    return {
      trackPairs: this.trackCo.pairs,
      trackPairBytes,
      artistPairs: this.artistCo.pairs,
      artistPairBytes,
      profileBytes,
      popularityBytes,
      totalBytes: trackPairBytes + artistPairBytes + profileBytes + popularityBytes,
    };
  }

  private profile(userId: string): UserProfile {
    const user = this.users.intern(userId);
    let profile = this.profiles[user];
    if (!profile) {
      while (this.profiles.length < user) this.profiles.push(undefined);
      profile = this.profiles[user] = new UserProfile();
    }
    return profile;
  }
}

/** The model checks the data it reads once more (stored events written by hand or by a bug): a mismatch throws before any change. */
function malformed(event: Recorded<ModelEvent>): never {
  throw new Error(`${event.type} ${event.id} is malformed: ${JSON.stringify(event.data).slice(0, 300)}`);
}

/** An event's data with every field as unknown: what the checks below look at. */
type Unchecked<D> = Partial<Record<keyof D, unknown>>;

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function readArtist(event: Recorded<ArtistAdded>): ArtistAdded['data'] {
  const data: Unchecked<ArtistAdded['data']> = event.data;
  if (typeof data.artistId !== 'string' || !isStrings(data.genres ?? [])) malformed(event);
  return { ...event.data, genres: event.data.genres ?? [] };
}

function readAlbum(event: Recorded<AlbumReleased>): AlbumReleased['data'] {
  const data: Unchecked<AlbumReleased['data']> = event.data;
  const tracks: unknown = data.tracks;
  const tracksOk =
    Array.isArray(tracks) &&
    tracks.every((t: Unchecked<AlbumReleased['data']['tracks'][number]> | null) => t && typeof t.trackId === 'string' && isStrings(t.genres ?? []));
  if (typeof data.albumId !== 'string' || typeof data.artistId !== 'string' || typeof data.releaseDate !== 'string' || !tracksOk) {
    malformed(event);
  }
  const album = event.data;
  return { ...album, genres: album.genres ?? [], tracks: album.tracks.map((t) => ({ ...t, genres: t.genres ?? [] })) };
}

function readFollow(event: Recorded<ArtistFollowed | ArtistUnfollowed>): { userId: string; artistId: string } {
  const data: Unchecked<ArtistFollowed['data']> = event.data;
  if (typeof data.userId !== 'string' || typeof data.artistId !== 'string') malformed(event);
  return { userId: event.data.userId, artistId: event.data.artistId };
}

function readLike(event: Recorded<TrackLiked | TrackUnliked>): { userId: string; trackId: string } {
  const data: Unchecked<TrackLiked['data']> = event.data;
  if (typeof data.userId !== 'string' || typeof data.trackId !== 'string') malformed(event);
  return { userId: event.data.userId, trackId: event.data.trackId };
}
