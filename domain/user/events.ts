/** Events of a `user-<userId>` stream. Names and shapes never change once shipped. */
import type { DomainEvent } from '../shared/decider.js';

/** A user's subscription: free (128 kbps streams) or premium (320 kbps and lossless). */
export type Plan = 'free' | 'premium';

/** What a user may do: an admin manages accounts. */
export type Role = 'user' | 'admin';

/**
 * `plan` absent: free; `country` (ISO 3166-1 alpha-2, for rights) absent: unknown; `role` absent:
 * user; `username` only for a local account (the name it signs in with). Never a secret: passwords
 * and their hashes live in the credentials store, not in events.
 */
export type UserRegistered = DomainEvent<
  'UserRegistered',
  { userId: string; displayName: string; registeredAt: string; plan?: Plan; country?: string; role?: Role; username?: string }
>;
export type UserRoleChanged = DomainEvent<'UserRoleChanged', { userId: string; role: Role; at: string }>;
export type UserProfileChanged = DomainEvent<'UserProfileChanged', { userId: string; displayName: string; at: string }>;
/** The account is gone: the user signs in no more and commands on the stream are refused. */
export type UserRemoved = DomainEvent<'UserRemoved', { userId: string; at: string }>;
export type UserPlanChanged = DomainEvent<'UserPlanChanged', { userId: string; plan: Plan; at: string }>;
/** `country` null: no longer known. */
export type UserCountryChanged = DomainEvent<'UserCountryChanged', { userId: string; country: string | null; at: string }>;
export type UserFollowed = DomainEvent<'UserFollowed', { userId: string; followeeId: string; at: string }>;
export type UserUnfollowed = DomainEvent<'UserUnfollowed', { userId: string; followeeId: string; at: string }>;
export type ArtistFollowed = DomainEvent<'ArtistFollowed', { userId: string; artistId: string; at: string }>;
export type ArtistUnfollowed = DomainEvent<'ArtistUnfollowed', { userId: string; artistId: string; at: string }>;
export type PlaylistFollowed = DomainEvent<'PlaylistFollowed', { userId: string; playlistId: string; at: string }>;
export type PlaylistUnfollowed = DomainEvent<'PlaylistUnfollowed', { userId: string; playlistId: string; at: string }>;
export type TrackLiked = DomainEvent<'TrackLiked', { userId: string; trackId: string; at: string }>;
export type TrackUnliked = DomainEvent<'TrackUnliked', { userId: string; trackId: string; at: string }>;
/** An album saved to the user's library (a Subsonic app's starred album). */
export type AlbumLiked = DomainEvent<'AlbumLiked', { userId: string; albumId: string; at: string }>;
export type AlbumUnliked = DomainEvent<'AlbumUnliked', { userId: string; albumId: string; at: string }>;

export type UserEvent =
  | UserRegistered
  | UserFollowed
  | UserUnfollowed
  | ArtistFollowed
  | ArtistUnfollowed
  | PlaylistFollowed
  | PlaylistUnfollowed
  | TrackLiked
  | TrackUnliked
  | AlbumLiked
  | AlbumUnliked
  | UserPlanChanged
  | UserCountryChanged
  | UserRoleChanged
  | UserProfileChanged
  | UserRemoved;

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
  'AlbumLiked',
  'AlbumUnliked',
  'UserPlanChanged',
  'UserCountryChanged',
  'UserRoleChanged',
  'UserProfileChanged',
  'UserRemoved',
] as const satisfies readonly UserEvent['type'][];

export const userStream = (userId: string) => `user-${userId}`;
