import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { attempt, given, isProgrammingError, thrownBy } from '../shared/given-when-then.js';
import { userDecider, type UserCommand, type UserState } from './decider.js';
import type { UserEvent } from './events.js';

const at = '2024-05-01T12:00:00.000Z';
const later = '2024-05-02T08:30:00.000Z';
const registered: UserEvent = { type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at } };
const aliceFollowsBob: UserEvent = { type: 'UserFollowed', data: { userId: 'alice', followeeId: 'bob', at } };
const aliceFollowsArtist: UserEvent = { type: 'ArtistFollowed', data: { userId: 'alice', artistId: 'art-1', at } };
const aliceFollowsPlaylist: UserEvent = { type: 'PlaylistFollowed', data: { userId: 'alice', playlistId: 'pl-1', at } };
const aliceLikesTrack: UserEvent = { type: 'TrackLiked', data: { userId: 'alice', trackId: 'trk-1', at } };

const register = (over: Partial<Extract<UserCommand, { type: 'RegisterUser' }>> = {}): UserCommand => ({
  type: 'RegisterUser',
  userId: 'alice',
  displayName: 'Alice',
  at,
  ...over,
});
const followUser = (followeeId: string, followeeExists = true): UserCommand => ({ type: 'FollowUser', userId: 'alice', followeeId, followeeExists, at: later });
const unfollowUser = (followeeId: string): UserCommand => ({ type: 'UnfollowUser', userId: 'alice', followeeId, at: later });
const followArtist = (artistId: string, artistExists = true): UserCommand => ({ type: 'FollowArtist', userId: 'alice', artistId, artistExists, at: later });
const unfollowArtist = (artistId: string): UserCommand => ({ type: 'UnfollowArtist', userId: 'alice', artistId, at: later });
const followPlaylist = (playlistId: string, playlistVisible = true): UserCommand => ({
  type: 'FollowPlaylist',
  userId: 'alice',
  playlistId,
  playlistVisible,
  at: later,
});
const unfollowPlaylist = (playlistId: string): UserCommand => ({ type: 'UnfollowPlaylist', userId: 'alice', playlistId, at: later });
const likeTrack = (trackId: string, trackExists = true): UserCommand => ({ type: 'LikeTrack', userId: 'alice', trackId, trackExists, at: later });
const unlikeTrack = (trackId: string): UserCommand => ({ type: 'UnlikeTrack', userId: 'alice', trackId, at: later });

/** Every command that needs a registered user, with a valid target. */
const commandsOfARegisteredUser: UserCommand[] = [
  followUser('bob'),
  unfollowUser('bob'),
  followArtist('art-1'),
  unfollowArtist('art-1'),
  followPlaylist('pl-1'),
  unfollowPlaylist('pl-1'),
  likeTrack('trk-1'),
  unlikeTrack('trk-1'),
];

const registeredState = (state: UserState) => {
  if (state.status !== 'registered') throw new Error(`expected a registered user, got ${state.status}`);
  return state;
};

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

// ---------------------------------------------------------------------------------------------
// Properties: a naive model of the four sets, driven by random command sequences.

const ids = ['alice', 'bob', 'carol', 'dave', 'bad id'];
const idArb = fc.constantFrom(...ids);
const userCommandArb: fc.Arbitrary<UserCommand> = fc.oneof(
  fc.record({ type: fc.constant('RegisterUser' as const), userId: fc.constant('alice'), displayName: fc.constantFrom('Alice', 'A', ''), at: fc.constant(later) }),
  fc.record({ type: fc.constant('FollowUser' as const), userId: fc.constant('alice'), followeeId: idArb, followeeExists: fc.boolean(), at: fc.constant(later) }),
  fc.record({ type: fc.constant('UnfollowUser' as const), userId: fc.constant('alice'), followeeId: idArb, at: fc.constant(later) }),
  fc.record({ type: fc.constant('FollowArtist' as const), userId: fc.constant('alice'), artistId: idArb, artistExists: fc.boolean(), at: fc.constant(later) }),
  fc.record({ type: fc.constant('UnfollowArtist' as const), userId: fc.constant('alice'), artistId: idArb, at: fc.constant(later) }),
  fc.record({ type: fc.constant('FollowPlaylist' as const), userId: fc.constant('alice'), playlistId: idArb, playlistVisible: fc.boolean(), at: fc.constant(later) }),
  fc.record({ type: fc.constant('UnfollowPlaylist' as const), userId: fc.constant('alice'), playlistId: idArb, at: fc.constant(later) }),
  fc.record({ type: fc.constant('LikeTrack' as const), userId: fc.constant('alice'), trackId: idArb, trackExists: fc.boolean(), at: fc.constant(later) }),
  fc.record({ type: fc.constant('UnlikeTrack' as const), userId: fc.constant('alice'), trackId: idArb, at: fc.constant(later) }),
);

interface Model {
  registered: boolean;
  following: Set<string>;
  artists: Set<string>;
  playlists: Set<string>;
  likes: Set<string>;
}

/** What the model expects: the rejection code, or the model after the command. */
function modelStep(model: Model, command: UserCommand): { rejected: string } | { next: Model; changed: boolean } {
  const validId = (id: string) => id !== 'bad id';
  const toggle = (key: 'following' | 'artists' | 'playlists' | 'likes', id: string, on: boolean) => {
    const set = new Set(model[key]);
    const changed = on ? !set.has(id) : set.has(id);
    if (on) set.add(id);
    else set.delete(id);
    return { next: { ...model, [key]: set }, changed };
  };
  if (command.type === 'RegisterUser') {
    if (command.displayName === '') return { rejected: 'VALIDATION_FAILED' };
    return model.registered ? { next: model, changed: false } : { next: { ...model, registered: true }, changed: true };
  }
  if (!model.registered) return { rejected: 'USER_NOT_FOUND' };
  switch (command.type) {
    case 'FollowUser':
      if (!validId(command.followeeId)) return { rejected: 'VALIDATION_FAILED' };
      if (command.followeeId === 'alice') return { rejected: 'CANNOT_FOLLOW_SELF' };
      if (!command.followeeExists) return { rejected: 'USER_NOT_FOUND' };
      return toggle('following', command.followeeId, true);
    case 'UnfollowUser':
      return validId(command.followeeId) ? toggle('following', command.followeeId, false) : { rejected: 'VALIDATION_FAILED' };
    case 'FollowArtist':
      if (!validId(command.artistId)) return { rejected: 'VALIDATION_FAILED' };
      return command.artistExists ? toggle('artists', command.artistId, true) : { rejected: 'ARTIST_NOT_FOUND' };
    case 'UnfollowArtist':
      return validId(command.artistId) ? toggle('artists', command.artistId, false) : { rejected: 'VALIDATION_FAILED' };
    case 'FollowPlaylist':
      if (!validId(command.playlistId)) return { rejected: 'VALIDATION_FAILED' };
      return command.playlistVisible ? toggle('playlists', command.playlistId, true) : { rejected: 'PLAYLIST_NOT_FOUND' };
    case 'UnfollowPlaylist':
      return validId(command.playlistId) ? toggle('playlists', command.playlistId, false) : { rejected: 'VALIDATION_FAILED' };
    case 'LikeTrack':
      if (!validId(command.trackId)) return { rejected: 'VALIDATION_FAILED' };
      return command.trackExists ? toggle('likes', command.trackId, true) : { rejected: 'TRACK_NOT_FOUND' };
    case 'UnlikeTrack':
      return validId(command.trackId) ? toggle('likes', command.trackId, false) : { rejected: 'VALIDATION_FAILED' };
    case 'ChangeSubscription':
    case 'ChangeRole':
    case 'ChangeProfile':
    case 'RemoveUser':
      return { next: model, changed: false };
  }
}

/** Runs commands one by one, keeping the events of those that were accepted. */
function run(commands: readonly UserCommand[]): { events: UserEvent[]; state: UserState } {
  const events: UserEvent[] = [];
  let state = userDecider.initialState;
  for (const command of commands) {
    const outcome = attempt(userDecider, command, state);
    if ('events' in outcome) {
      events.push(...outcome.events);
      state = outcome.events.reduce(userDecider.evolve, state);
    }
  }
  return { events, state };
}

describe('user decider: properties', () => {
  it('step by step, the decider agrees with a naive model of the four sets, and records an event exactly when the model changes', () => {
    fc.assert(
      fc.property(fc.array(userCommandArb, { maxLength: 60 }), (commands) => {
        let model: Model = { registered: false, following: new Set(), artists: new Set(), playlists: new Set(), likes: new Set() };
        let state = userDecider.initialState;
        for (const command of commands) {
          const expected = modelStep(model, command);
          const outcome = attempt(userDecider, command, state);
          if ('rejected' in expected) {
            expect(outcome).toStrictEqual(expected);
            continue;
          }
          if (!('events' in outcome)) throw new Error(`${command.type} was rejected with ${outcome.rejected}`);
          expect(outcome.events).toHaveLength(expected.changed ? 1 : 0);
          state = outcome.events.reduce(userDecider.evolve, state);
          model = expected.next;
        }
        if (!model.registered) {
          expect(state).toStrictEqual({ status: 'unregistered' });
          return;
        }
        const user = registeredState(state);
        expect(user.following).toStrictEqual(model.following);
        expect(user.artists).toStrictEqual(model.artists);
        expect(user.playlists).toStrictEqual(model.playlists);
        expect(user.likes).toStrictEqual(model.likes);
      }),
    );
  });

  it('every user command is idempotent: deciding it again right after it was applied records nothing', () => {
    fc.assert(
      fc.property(fc.array(userCommandArb, { maxLength: 30 }), userCommandArb, (history, command) => {
        const { state } = run(history);
        const first = attempt(userDecider, command, state);
        fc.pre('events' in first);
        const after = first.events.reduce(userDecider.evolve, state);
        expect(attempt(userDecider, command, after)).toStrictEqual({ events: [] });
      }),
    );
  });

  it('evolve is deterministic and rebuilding from the events equals the state built step by step', () => {
    fc.assert(
      fc.property(fc.array(userCommandArb, { maxLength: 60 }), (commands) => {
        const { events, state } = run(commands);
        expect(fold(userDecider, events)).toStrictEqual(fold(userDecider, events));
        expect(fold(userDecider, events)).toStrictEqual(state);
      }),
    );
  });
});
