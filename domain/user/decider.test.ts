import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { given, isProgrammingError, thrownBy } from '../shared/given-when-then.js';
import { userDecider, type UserCommand } from './decider.js';
import type { UserEvent } from './events.js';
import { at, later, registered, aliceFollowsBob, aliceFollowsArtist, aliceFollowsPlaylist, aliceLikesTrack, aliceLikesAlbum, register, followUser, unfollowUser, followArtist, unfollowArtist, followPlaylist, unfollowPlaylist, likeTrack, unlikeTrack, likeAlbum, unlikeAlbum, commandsOfARegisteredUser, registeredState } from './decider.fixtures.js';

describe('user decider: registration', () => {
  it('registering records UserRegistered with the trimmed name and the normalised time', () => {
    const state = given(userDecider)
      .when(register({ displayName: '  Alice  ', at: '2024-05-01T14:00:00+02:00' }))
      .then([{ type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at } }]);
    expect(state).toStrictEqual({
      status: 'registered',
      userId: 'alice',
      displayName: 'Alice',
      role: 'user',
      plan: 'free',
      country: null,
      following: new Set(),
      artists: new Set(),
      playlists: new Set(),
      likes: new Set(),
      albums: new Set(),
    });
  });

  it('registering an already registered user records nothing', () => {
    given(userDecider, [registered]).when(register({ at: later })).then([]);
  });

  it('re-registering with another display name records nothing and keeps the first name', () => {
    const state = given(userDecider, [registered]).when(register({ displayName: 'Someone Else' })).then([]);
    expect(registeredState(state).displayName).toBe('Alice');
  });

  it('re-registering with an empty name is still rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(register({ displayName: '' })).thenRejects('VALIDATION_FAILED');
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['longer than 200 characters', 'x'.repeat(201)],
  ])('a display name that is %s is rejected with VALIDATION_FAILED', (_what, displayName) => {
    given(userDecider).when(register({ displayName })).thenRejects('VALIDATION_FAILED');
  });

  it('a display name of exactly 200 characters is accepted', () => {
    const displayName = 'x'.repeat(200);
    given(userDecider)
      .when(register({ displayName }))
      .then([{ type: 'UserRegistered', data: { userId: 'alice', displayName, registeredAt: at } }]);
  });

  it.each([
    ['empty', ''],
    ['starting with a symbol', '-alice'],
    ['with a space', 'al ice'],
    ['with a slash', 'al/ice'],
    ['longer than 128 characters', 'a'.repeat(129)],
  ])('a userId that is %s is rejected with VALIDATION_FAILED', (_what, userId) => {
    given(userDecider).when(register({ userId })).thenRejects('VALIDATION_FAILED');
  });

  it('a userId of 128 letters, digits and ._:@- is accepted', () => {
    const userId = `a1._:@-${'z'.repeat(121)}`;
    given(userDecider)
      .when(register({ userId }))
      .then([{ type: 'UserRegistered', data: { userId, displayName: 'Alice', registeredAt: at } }]);
  });

  it.each([
    ['empty', ''],
    ['not a time', 'yesterday'],
    ['an impossible date', '2024-13-45T00:00:00Z'],
  ])('a command time that is %s is rejected with VALIDATION_FAILED', (_what, time) => {
    given(userDecider).when(register({ at: time })).thenRejects('VALIDATION_FAILED');
  });

  it('every command but RegisterUser on an unregistered user is rejected with USER_NOT_FOUND', () => {
    for (const command of commandsOfARegisteredUser) given(userDecider).when(command).thenRejects('USER_NOT_FOUND');
  });

  it('a bad command time is rejected with VALIDATION_FAILED before anything else', () => {
    for (const command of commandsOfARegisteredUser) given(userDecider).when({ ...command, at: 'soon' }).thenRejects('VALIDATION_FAILED');
  });

  it('a command type the decider does not know is a programming error, not a DomainError', () => {
    const forged = { type: 'DeleteUser', userId: 'alice', at } as unknown as UserCommand;
    expect(thrownBy(() => userDecider.decide(forged, userDecider.initialState))).toSatisfy(isProgrammingError);
  });
});

describe('user decider: following users', () => {
  it('following an existing user records UserFollowed and adds them to following', () => {
    const state = given(userDecider, [registered])
      .when(followUser('bob'))
      .then([{ type: 'UserFollowed', data: { userId: 'alice', followeeId: 'bob', at: later } }]);
    expect(registeredState(state).following).toStrictEqual(new Set(['bob']));
  });

  it('following someone you already follow records nothing', () => {
    given(userDecider, [registered, aliceFollowsBob]).when(followUser('bob')).then([]);
  });

  it('following yourself is rejected with CANNOT_FOLLOW_SELF', () => {
    given(userDecider, [registered]).when(followUser('alice')).thenRejects('CANNOT_FOLLOW_SELF');
  });

  it('following a user who does not exist is rejected with USER_NOT_FOUND', () => {
    given(userDecider, [registered]).when(followUser('ghost', false)).thenRejects('USER_NOT_FOUND');
  });

  it('following a bad followeeId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(followUser('bad id')).thenRejects('VALIDATION_FAILED');
  });

  it('unfollowing someone you follow records UserUnfollowed and removes them', () => {
    const state = given(userDecider, [registered, aliceFollowsBob])
      .when(unfollowUser('bob'))
      .then([{ type: 'UserUnfollowed', data: { userId: 'alice', followeeId: 'bob', at: later } }]);
    expect(registeredState(state).following).toStrictEqual(new Set());
  });

  it('unfollowing someone you do not follow records nothing', () => {
    given(userDecider, [registered]).when(unfollowUser('bob')).then([]);
  });

  it('unfollowing yourself records nothing', () => {
    given(userDecider, [registered]).when(unfollowUser('alice')).then([]);
  });

  it('unfollowing a bad followeeId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(unfollowUser('')).thenRejects('VALIDATION_FAILED');
  });
});

describe('user decider: following artists', () => {
  it('following an existing artist records ArtistFollowed', () => {
    const state = given(userDecider, [registered])
      .when(followArtist('art-1'))
      .then([{ type: 'ArtistFollowed', data: { userId: 'alice', artistId: 'art-1', at: later } }]);
    expect(registeredState(state).artists).toStrictEqual(new Set(['art-1']));
  });

  it('following an artist you already follow records nothing', () => {
    given(userDecider, [registered, aliceFollowsArtist]).when(followArtist('art-1')).then([]);
  });

  it('following an artist who does not exist is rejected with ARTIST_NOT_FOUND', () => {
    given(userDecider, [registered]).when(followArtist('art-x', false)).thenRejects('ARTIST_NOT_FOUND');
  });

  it('following a bad artistId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(followArtist('_art')).thenRejects('VALIDATION_FAILED');
  });

  it('unfollowing a followed artist records ArtistUnfollowed', () => {
    const state = given(userDecider, [registered, aliceFollowsArtist])
      .when(unfollowArtist('art-1'))
      .then([{ type: 'ArtistUnfollowed', data: { userId: 'alice', artistId: 'art-1', at: later } }]);
    expect(registeredState(state).artists).toStrictEqual(new Set());
  });

  it('unfollowing an artist you do not follow records nothing', () => {
    given(userDecider, [registered]).when(unfollowArtist('art-1')).then([]);
  });

  it('unfollowing a bad artistId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(unfollowArtist('a b')).thenRejects('VALIDATION_FAILED');
  });
});

describe('user decider: following playlists', () => {
  it('following a visible playlist records PlaylistFollowed', () => {
    const state = given(userDecider, [registered])
      .when(followPlaylist('pl-1'))
      .then([{ type: 'PlaylistFollowed', data: { userId: 'alice', playlistId: 'pl-1', at: later } }]);
    expect(registeredState(state).playlists).toStrictEqual(new Set(['pl-1']));
  });

  it('following a playlist you already follow records nothing', () => {
    given(userDecider, [registered, aliceFollowsPlaylist]).when(followPlaylist('pl-1')).then([]);
  });

  it('following a playlist you cannot see is rejected with PLAYLIST_NOT_FOUND', () => {
    given(userDecider, [registered]).when(followPlaylist('pl-private', false)).thenRejects('PLAYLIST_NOT_FOUND');
  });

  it('following a bad playlistId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(followPlaylist('pl/1')).thenRejects('VALIDATION_FAILED');
  });

  it('unfollowing a followed playlist records PlaylistUnfollowed', () => {
    const state = given(userDecider, [registered, aliceFollowsPlaylist])
      .when(unfollowPlaylist('pl-1'))
      .then([{ type: 'PlaylistUnfollowed', data: { userId: 'alice', playlistId: 'pl-1', at: later } }]);
    expect(registeredState(state).playlists).toStrictEqual(new Set());
  });

  it('unfollowing a playlist you do not follow records nothing', () => {
    given(userDecider, [registered]).when(unfollowPlaylist('pl-1')).then([]);
  });

  it('unfollowing a bad playlistId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(unfollowPlaylist('')).thenRejects('VALIDATION_FAILED');
  });
});

describe('user decider: liked tracks', () => {
  it('liking an existing track records TrackLiked', () => {
    const state = given(userDecider, [registered])
      .when(likeTrack('trk-1'))
      .then([{ type: 'TrackLiked', data: { userId: 'alice', trackId: 'trk-1', at: later } }]);
    expect(registeredState(state).likes).toStrictEqual(new Set(['trk-1']));
  });

  it('liking a track you already like records nothing', () => {
    given(userDecider, [registered, aliceLikesTrack]).when(likeTrack('trk-1')).then([]);
  });

  it('liking a track that does not exist is rejected with TRACK_NOT_FOUND', () => {
    given(userDecider, [registered]).when(likeTrack('trk-x', false)).thenRejects('TRACK_NOT_FOUND');
  });

  it('liking a bad trackId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(likeTrack('trk 1')).thenRejects('VALIDATION_FAILED');
  });

  it('unliking a liked track records TrackUnliked', () => {
    const state = given(userDecider, [registered, aliceLikesTrack])
      .when(unlikeTrack('trk-1'))
      .then([{ type: 'TrackUnliked', data: { userId: 'alice', trackId: 'trk-1', at: later } }]);
    expect(registeredState(state).likes).toStrictEqual(new Set());
  });

  it('unliking a track you do not like records nothing', () => {
    given(userDecider, [registered]).when(unlikeTrack('trk-1')).then([]);
  });

  it('unliking a bad trackId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(unlikeTrack('.trk')).thenRejects('VALIDATION_FAILED');
  });
});

describe('user decider: liked albums', () => {
  it('liking an existing album records AlbumLiked', () => {
    const state = given(userDecider, [registered])
      .when(likeAlbum('alb-1'))
      .then([{ type: 'AlbumLiked', data: { userId: 'alice', albumId: 'alb-1', at: later } }]);
    expect(registeredState(state).albums).toStrictEqual(new Set(['alb-1']));
  });

  it('liking an album you already like records nothing', () => {
    given(userDecider, [registered, aliceLikesAlbum]).when(likeAlbum('alb-1')).then([]);
  });

  it('liking an album that does not exist is rejected with ALBUM_NOT_FOUND', () => {
    given(userDecider, [registered]).when(likeAlbum('alb-x', false)).thenRejects('ALBUM_NOT_FOUND');
  });

  it('liking a bad albumId is rejected with VALIDATION_FAILED', () => {
    given(userDecider, [registered]).when(likeAlbum('alb 1')).thenRejects('VALIDATION_FAILED');
  });

  it('unliking a liked album records AlbumUnliked; unliking one you do not like records nothing', () => {
    const state = given(userDecider, [registered, aliceLikesAlbum])
      .when(unlikeAlbum('alb-1'))
      .then([{ type: 'AlbumUnliked', data: { userId: 'alice', albumId: 'alb-1', at: later } }]);
    expect(registeredState(state).albums).toStrictEqual(new Set());
    given(userDecider, [registered]).when(unlikeAlbum('alb-1')).then([]);
  });
});

describe('user decider: evolve', () => {
  it('an event type evolve does not know is a programming error once the user is registered', () => {
    const forged = { type: 'UserRenamed', data: { userId: 'alice' } } as unknown as UserEvent;
    expect(thrownBy(() => userDecider.evolve(fold(userDecider, [registered]), forged))).toSatisfy(isProgrammingError);
  });

  it('events before UserRegistered leave the unregistered state as it is', () => {
    const before: UserEvent[] = [
      aliceFollowsBob,
      { type: 'UserUnfollowed', data: { userId: 'alice', followeeId: 'bob', at } },
      aliceFollowsArtist,
      { type: 'ArtistUnfollowed', data: { userId: 'alice', artistId: 'art-1', at } },
      aliceFollowsPlaylist,
      { type: 'PlaylistUnfollowed', data: { userId: 'alice', playlistId: 'pl-1', at } },
      aliceLikesTrack,
      { type: 'TrackUnliked', data: { userId: 'alice', trackId: 'trk-1', at } },
    ];
    expect(fold(userDecider, before)).toStrictEqual({ status: 'unregistered' });
  });

  it('the four sets are independent: following a user, an artist, a playlist and liking a track with the same id', () => {
    const state = fold(userDecider, [
      registered,
      { type: 'UserFollowed', data: { userId: 'alice', followeeId: 'x', at } },
      { type: 'ArtistFollowed', data: { userId: 'alice', artistId: 'x', at } },
      { type: 'PlaylistFollowed', data: { userId: 'alice', playlistId: 'x', at } },
      { type: 'TrackLiked', data: { userId: 'alice', trackId: 'x', at } },
      { type: 'ArtistUnfollowed', data: { userId: 'alice', artistId: 'x', at } },
    ]);
    const user = registeredState(state);
    expect([user.following, user.artists, user.playlists, user.likes]).toStrictEqual([new Set(['x']), new Set(), new Set(['x']), new Set(['x'])]);
  });

  it('evolve does not mutate the state it is given', () => {
    const before = fold(userDecider, [registered, aliceFollowsBob]);
    userDecider.evolve(before, { type: 'UserFollowed', data: { userId: 'alice', followeeId: 'carol', at } });
    userDecider.evolve(before, { type: 'UserUnfollowed', data: { userId: 'alice', followeeId: 'bob', at } });
    expect(registeredState(before).following).toStrictEqual(new Set(['bob']));
  });
});
