/**
 * The user aggregate: registration, follows (users, artists, playlists) and liked tracks.
 *
 * Registering again (an app signing in once more) records nothing and keeps the display name.
 * Following is idempotent, as users expect of a follow button and as HTTP PUT/DELETE promise:
 * following someone you already follow, or unfollowing someone you do not follow, succeeds and
 * records nothing. Following yourself is rejected. Targets must exist (the handler looks them up
 * and says so in the command).
 */
import { assertNever, type Decider } from '../shared/decider.js';
import { checkId, checkName, checkTime } from '../shared/checks.js';
import { reject } from '../shared/errors.js';
import type { UserEvent } from './events.js';

export type UserCommand =
  | { type: 'RegisterUser'; userId: string; displayName: string; at: string }
  | { type: 'FollowUser'; userId: string; followeeId: string; followeeExists: boolean; at: string }
  | { type: 'UnfollowUser'; userId: string; followeeId: string; at: string }
  | { type: 'FollowArtist'; userId: string; artistId: string; artistExists: boolean; at: string }
  | { type: 'UnfollowArtist'; userId: string; artistId: string; at: string }
  | { type: 'FollowPlaylist'; userId: string; playlistId: string; playlistVisible: boolean; at: string }
  | { type: 'UnfollowPlaylist'; userId: string; playlistId: string; at: string }
  | { type: 'LikeTrack'; userId: string; trackId: string; trackExists: boolean; at: string }
  | { type: 'UnlikeTrack'; userId: string; trackId: string; at: string };

export type UserState =
  | { status: 'unregistered' }
  | {
      status: 'registered';
      userId: string;
      displayName: string;
      following: ReadonlySet<string>;
      artists: ReadonlySet<string>;
      playlists: ReadonlySet<string>;
      likes: ReadonlySet<string>;
    };

type Registered = Extract<UserState, { status: 'registered' }>;

function registered(state: UserState, userId: string): Registered {
  if (state.status !== 'registered') return reject('USER_NOT_FOUND', `user ${userId} is not registered`);
  return state;
}

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  const at = checkTime(command.at, 'at');
  const userId = checkId(command.userId, 'userId');
  switch (command.type) {
    case 'RegisterUser': {
      const displayName = checkName(command.displayName, 'displayName');
      if (state.status === 'registered') return [];
      return [{ type: 'UserRegistered', data: { userId, displayName, registeredAt: at } }];
    }
    case 'FollowUser': {
      const user = registered(state, userId);
      const followeeId = checkId(command.followeeId, 'followeeId');
      if (followeeId === userId) reject('CANNOT_FOLLOW_SELF', 'you cannot follow yourself');
      if (!command.followeeExists) reject('USER_NOT_FOUND', `user ${followeeId} does not exist`);
      return user.following.has(followeeId) ? [] : [{ type: 'UserFollowed', data: { userId, followeeId, at } }];
    }
    case 'UnfollowUser': {
      const user = registered(state, userId);
      const followeeId = checkId(command.followeeId, 'followeeId');
      return user.following.has(followeeId) ? [{ type: 'UserUnfollowed', data: { userId, followeeId, at } }] : [];
    }
    case 'FollowArtist': {
      const user = registered(state, userId);
      const artistId = checkId(command.artistId, 'artistId');
      if (!command.artistExists) reject('ARTIST_NOT_FOUND', `artist ${artistId} does not exist`);
      return user.artists.has(artistId) ? [] : [{ type: 'ArtistFollowed', data: { userId, artistId, at } }];
    }
    case 'UnfollowArtist': {
      const user = registered(state, userId);
      const artistId = checkId(command.artistId, 'artistId');
      return user.artists.has(artistId) ? [{ type: 'ArtistUnfollowed', data: { userId, artistId, at } }] : [];
    }
    case 'FollowPlaylist': {
      const user = registered(state, userId);
      const playlistId = checkId(command.playlistId, 'playlistId');
      if (!command.playlistVisible) reject('PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
      return user.playlists.has(playlistId) ? [] : [{ type: 'PlaylistFollowed', data: { userId, playlistId, at } }];
    }
    case 'UnfollowPlaylist': {
      const user = registered(state, userId);
      const playlistId = checkId(command.playlistId, 'playlistId');
      return user.playlists.has(playlistId) ? [{ type: 'PlaylistUnfollowed', data: { userId, playlistId, at } }] : [];
    }
    case 'LikeTrack': {
      const user = registered(state, userId);
      const trackId = checkId(command.trackId, 'trackId');
      if (!command.trackExists) reject('TRACK_NOT_FOUND', `track ${trackId} does not exist`);
      return user.likes.has(trackId) ? [] : [{ type: 'TrackLiked', data: { userId, trackId, at } }];
    }
    case 'UnlikeTrack': {
      const user = registered(state, userId);
      const trackId = checkId(command.trackId, 'trackId');
      return user.likes.has(trackId) ? [{ type: 'TrackUnliked', data: { userId, trackId, at } }] : [];
    }
    default:
      return assertNever(command);
  }
}

const add = (set: ReadonlySet<string>, value: string) => new Set(set).add(value);
const remove = (set: ReadonlySet<string>, value: string) => {
  const next = new Set(set);
  next.delete(value);
  return next;
};

export function evolveUser(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    return {
      status: 'registered',
      userId: event.data.userId,
      displayName: event.data.displayName,
      following: new Set(),
      artists: new Set(),
      playlists: new Set(),
      likes: new Set(),
    };
  }
  if (state.status !== 'registered') return state;
  switch (event.type) {
    case 'UserFollowed':
      return { ...state, following: add(state.following, event.data.followeeId) };
    case 'UserUnfollowed':
      return { ...state, following: remove(state.following, event.data.followeeId) };
    case 'ArtistFollowed':
      return { ...state, artists: add(state.artists, event.data.artistId) };
    case 'ArtistUnfollowed':
      return { ...state, artists: remove(state.artists, event.data.artistId) };
    case 'PlaylistFollowed':
      return { ...state, playlists: add(state.playlists, event.data.playlistId) };
    case 'PlaylistUnfollowed':
      return { ...state, playlists: remove(state.playlists, event.data.playlistId) };
    case 'TrackLiked':
      return { ...state, likes: add(state.likes, event.data.trackId) };
    case 'TrackUnliked':
      return { ...state, likes: remove(state.likes, event.data.trackId) };
    default:
      return assertNever(event);
  }
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: { status: 'unregistered' },
  decide: decideUser,
  evolve: evolveUser,
};
