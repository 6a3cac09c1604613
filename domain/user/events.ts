/** Events of a `user-<userId>` stream. Names and shapes never change once shipped. */
import type { DomainEvent } from '../shared/decider.js';

export type UserRegistered = DomainEvent<'UserRegistered', { userId: string; displayName: string; registeredAt: string }>;
export type UserFollowed = DomainEvent<'UserFollowed', { userId: string; followeeId: string; at: string }>;
export type UserUnfollowed = DomainEvent<'UserUnfollowed', { userId: string; followeeId: string; at: string }>;
export type ArtistFollowed = DomainEvent<'ArtistFollowed', { userId: string; artistId: string; at: string }>;
export type ArtistUnfollowed = DomainEvent<'ArtistUnfollowed', { userId: string; artistId: string; at: string }>;
export type PlaylistFollowed = DomainEvent<'PlaylistFollowed', { userId: string; playlistId: string; at: string }>;
export type PlaylistUnfollowed = DomainEvent<'PlaylistUnfollowed', { userId: string; playlistId: string; at: string }>;
export type TrackLiked = DomainEvent<'TrackLiked', { userId: string; trackId: string; at: string }>;
export type TrackUnliked = DomainEvent<'TrackUnliked', { userId: string; trackId: string; at: string }>;

export type UserEvent =
  | UserRegistered
  | UserFollowed
  | UserUnfollowed
  | ArtistFollowed
  | ArtistUnfollowed
  | PlaylistFollowed
  | PlaylistUnfollowed
  | TrackLiked
  | TrackUnliked;

export const USER_EVENT_TYPES = [
  'UserRegistered',
  'UserFollowed',
  'UserUnfollowed',
  'ArtistFollowed',
  'ArtistUnfollowed',
  'PlaylistFollowed',
  'PlaylistUnfollowed',
  'TrackLiked',
  'TrackUnliked',
] as const satisfies readonly UserEvent['type'][];

export const userStream = (userId: string) => `user-${userId}`;
