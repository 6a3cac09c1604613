/** Commands, events and states the user decider's tests share (decider.test.ts, decider.properties.test.ts). */
import type { UserCommand, UserState } from './decider.js';
import type { UserEvent } from './events.js';

export const at = '2024-05-01T12:00:00.000Z';
export const later = '2024-05-02T08:30:00.000Z';
export const registered: UserEvent = { type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at } };
export const aliceFollowsBob: UserEvent = { type: 'UserFollowed', data: { userId: 'alice', followeeId: 'bob', at } };
export const aliceFollowsArtist: UserEvent = { type: 'ArtistFollowed', data: { userId: 'alice', artistId: 'art-1', at } };
export const aliceFollowsPlaylist: UserEvent = { type: 'PlaylistFollowed', data: { userId: 'alice', playlistId: 'pl-1', at } };
export const aliceLikesTrack: UserEvent = { type: 'TrackLiked', data: { userId: 'alice', trackId: 'trk-1', at } };
export const aliceLikesAlbum: UserEvent = { type: 'AlbumLiked', data: { userId: 'alice', albumId: 'alb-1', at } };

export const register = (over: Partial<Extract<UserCommand, { type: 'RegisterUser' }>> = {}): UserCommand => ({
  type: 'RegisterUser',
  userId: 'alice',
  displayName: 'Alice',
  at,
  ...over,
});
export const followUser = (followeeId: string, followeeExists = true): UserCommand => ({ type: 'FollowUser', userId: 'alice', followeeId, followeeExists, at: later });
export const unfollowUser = (followeeId: string): UserCommand => ({ type: 'UnfollowUser', userId: 'alice', followeeId, at: later });
export const followArtist = (artistId: string, artistExists = true): UserCommand => ({ type: 'FollowArtist', userId: 'alice', artistId, artistExists, at: later });
export const unfollowArtist = (artistId: string): UserCommand => ({ type: 'UnfollowArtist', userId: 'alice', artistId, at: later });
export const followPlaylist = (playlistId: string, playlistVisible = true): UserCommand => ({
  type: 'FollowPlaylist',
  userId: 'alice',
  playlistId,
  playlistVisible,
  at: later,
});
export const unfollowPlaylist = (playlistId: string): UserCommand => ({ type: 'UnfollowPlaylist', userId: 'alice', playlistId, at: later });
export const likeTrack = (trackId: string, trackExists = true): UserCommand => ({ type: 'LikeTrack', userId: 'alice', trackId, trackExists, at: later });
export const unlikeTrack = (trackId: string): UserCommand => ({ type: 'UnlikeTrack', userId: 'alice', trackId, at: later });
export const likeAlbum = (albumId: string, albumExists = true): UserCommand => ({ type: 'LikeAlbum', userId: 'alice', albumId, albumExists, at: later });
export const unlikeAlbum = (albumId: string): UserCommand => ({ type: 'UnlikeAlbum', userId: 'alice', albumId, at: later });

/** Every command that needs a registered user, with a valid target. */
export const commandsOfARegisteredUser: UserCommand[] = [
  followUser('bob'),
  unfollowUser('bob'),
  followArtist('art-1'),
  unfollowArtist('art-1'),
  followPlaylist('pl-1'),
  unfollowPlaylist('pl-1'),
  likeTrack('trk-1'),
  unlikeTrack('trk-1'),
  likeAlbum('alb-1'),
  unlikeAlbum('alb-1'),
];

export const registeredState = (state: UserState) => {
  if (state.status !== 'registered') throw new Error(`expected a registered user, got ${state.status}`);
  return state;
};
