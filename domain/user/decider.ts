/**
 * The user aggregate: registration, role, plan, country and profile, removal, follows (users,
 * artists, playlists), liked tracks and liked albums.
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
import type { Plan, Role, UserEvent } from './events.js';

const PLANS: readonly Plan[] = ['free', 'premium'];
const ROLES: readonly Role[] = ['user', 'admin'];
const COUNTRY = /^[A-Z]{2}$/;
/** What a local account signs in with: 1-64 letters, digits or ._@- (not starting with a symbol). */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export type UserCommand =
  | { type: 'RegisterUser'; userId: string; displayName: string; plan?: Plan; country?: string; role?: Role; username?: string; at: string }
  | { type: 'ChangeRole'; userId: string; role: Role; at: string }
  | { type: 'ChangeProfile'; userId: string; displayName: string; at: string }
  | { type: 'RemoveUser'; userId: string; at: string }
  /** Sets what is given (plan, country: null to forget it); records only what changes. */
  | { type: 'ChangeSubscription'; userId: string; plan?: Plan; country?: string | null; at: string }
  | { type: 'FollowUser'; userId: string; followeeId: string; followeeExists: boolean; at: string }
  | { type: 'UnfollowUser'; userId: string; followeeId: string; at: string }
  | { type: 'FollowArtist'; userId: string; artistId: string; artistExists: boolean; at: string }
  | { type: 'UnfollowArtist'; userId: string; artistId: string; at: string }
  | { type: 'FollowPlaylist'; userId: string; playlistId: string; playlistVisible: boolean; at: string }
  | { type: 'UnfollowPlaylist'; userId: string; playlistId: string; at: string }
  | { type: 'LikeTrack'; userId: string; trackId: string; trackExists: boolean; at: string }
  | { type: 'UnlikeTrack'; userId: string; trackId: string; at: string }
  | { type: 'LikeAlbum'; userId: string; albumId: string; albumExists: boolean; at: string }
  | { type: 'UnlikeAlbum'; userId: string; albumId: string; at: string };

export type UserState =
  | { status: 'unregistered' }
  | { status: 'removed'; userId: string }
  | {
      status: 'registered';
      userId: string;
      displayName: string;
      role: Role;
      plan: Plan;
      country: string | null;
      following: ReadonlySet<string>;
      artists: ReadonlySet<string>;
      playlists: ReadonlySet<string>;
      likes: ReadonlySet<string>;
      albums: ReadonlySet<string>;
    };

type Registered = Extract<UserState, { status: 'registered' }>;

function registered(state: UserState, userId: string): Registered {
  if (state.status !== 'registered') return reject('USER_NOT_FOUND', `user ${userId} is not registered`);
  return state;
}

function checkRole(role: unknown): Role {
  if (!ROLES.includes(role as Role)) reject('VALIDATION_FAILED', `role must be ${ROLES.join(' or ')}`);
  return role as Role;
}

function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    reject('VALIDATION_FAILED', 'username must be 1-64 letters, digits or ._@- (not starting with a symbol)');
  }
  return username as string;
}

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  const at = checkTime(command.at, 'at');
  const userId = checkId(command.userId, 'userId');
  switch (command.type) {
    case 'RegisterUser': {
      const displayName = checkName(command.displayName, 'displayName');
      const plan = command.plan === undefined ? undefined : checkPlan(command.plan);
      const country = command.country === undefined ? undefined : checkCountry(command.country);
      const role = command.role === undefined ? undefined : checkRole(command.role);
      const username = command.username === undefined ? undefined : checkUsername(command.username);
      if (state.status === 'removed') reject('USER_REMOVED', `user ${userId} was removed`);
      // Registering again never changes the role or the username: only an admin does that.
      if (state.status === 'registered') return subscriptionChanges(state, plan, country, at);
      const data: Extract<UserEvent, { type: 'UserRegistered' }>['data'] = { userId, displayName, registeredAt: at };
      if (plan && plan !== 'free') data.plan = plan;
      if (country) data.country = country;
      if (role && role !== 'user') data.role = role;
      if (username) data.username = username;
      return [{ type: 'UserRegistered', data }];
    }
    case 'ChangeRole': {
      const user = registered(state, userId);
      const role = checkRole(command.role);
      return role === user.role ? [] : [{ type: 'UserRoleChanged', data: { userId, role, at } }];
    }
    case 'ChangeProfile': {
      const user = registered(state, userId);
      const displayName = checkName(command.displayName, 'displayName');
      return displayName === user.displayName ? [] : [{ type: 'UserProfileChanged', data: { userId, displayName, at } }];
    }
    case 'RemoveUser': {
      if (state.status === 'removed') return [];
      registered(state, userId);
      return [{ type: 'UserRemoved', data: { userId, at } }];
    }
    case 'ChangeSubscription': {
      const user = registered(state, userId);
      const plan = command.plan === undefined ? undefined : checkPlan(command.plan);
      const country = command.country === undefined || command.country === null ? command.country : checkCountry(command.country);
      return subscriptionChanges(user, plan, country, at);
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
    case 'LikeAlbum': {
      const user = registered(state, userId);
      const albumId = checkId(command.albumId, 'albumId');
      if (!command.albumExists) reject('ALBUM_NOT_FOUND', `album ${albumId} does not exist`);
      return user.albums.has(albumId) ? [] : [{ type: 'AlbumLiked', data: { userId, albumId, at } }];
    }
    case 'UnlikeAlbum': {
      const user = registered(state, userId);
      const albumId = checkId(command.albumId, 'albumId');
      return user.albums.has(albumId) ? [{ type: 'AlbumUnliked', data: { userId, albumId, at } }] : [];
    }
    default:
      return assertNever(command);
  }
}

function checkPlan(plan: unknown): Plan {
  if (!PLANS.includes(plan as Plan)) reject('VALIDATION_FAILED', `plan must be ${PLANS.join(' or ')}`);
  return plan as Plan;
}

function checkCountry(country: unknown): string {
  if (typeof country !== 'string' || !COUNTRY.test(country)) reject('VALIDATION_FAILED', `country ${JSON.stringify(country)} must be an ISO 3166-1 alpha-2 code like "SE"`);
  return country as string;
}

/** The events that bring a registered user to `plan` and `country` (undefined: unchanged). */
function subscriptionChanges(user: Registered, plan: Plan | undefined, country: string | null | undefined, at: string): UserEvent[] {
  const events: UserEvent[] = [];
  if (plan !== undefined && plan !== user.plan) events.push({ type: 'UserPlanChanged', data: { userId: user.userId, plan, at } });
  if (country !== undefined && country !== user.country) events.push({ type: 'UserCountryChanged', data: { userId: user.userId, country, at } });
  return events;
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
      role: event.data.role ?? 'user',
      plan: event.data.plan ?? 'free',
      country: event.data.country ?? null,
      following: new Set(),
      artists: new Set(),
      playlists: new Set(),
      likes: new Set(),
      albums: new Set(),
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
    case 'AlbumLiked':
      return { ...state, albums: add(state.albums, event.data.albumId) };
    case 'AlbumUnliked':
      return { ...state, albums: remove(state.albums, event.data.albumId) };
    case 'UserPlanChanged':
      return { ...state, plan: event.data.plan };
    case 'UserCountryChanged':
      return { ...state, country: event.data.country };
    case 'UserRoleChanged':
      return { ...state, role: event.data.role };
    case 'UserProfileChanged':
      return { ...state, displayName: event.data.displayName };
    case 'UserRemoved':
      return { status: 'removed', userId: state.userId };
    default:
      return assertNever(event);
  }
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: { status: 'unregistered' },
  decide: decideUser,
  evolve: evolveUser,
};
