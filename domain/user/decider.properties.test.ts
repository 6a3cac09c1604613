/** The user decider's properties: a naive model of the five sets, driven by random command sequences. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { attempt } from '../shared/given-when-then.js';
import { userDecider, type UserCommand, type UserState } from './decider.js';
import type { UserEvent } from './events.js';
import { later, registeredState } from './decider.fixtures.js';

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
  fc.record({ type: fc.constant('LikeAlbum' as const), userId: fc.constant('alice'), albumId: idArb, albumExists: fc.boolean(), at: fc.constant(later) }),
  fc.record({ type: fc.constant('UnlikeAlbum' as const), userId: fc.constant('alice'), albumId: idArb, at: fc.constant(later) }),
);

interface Model {
  registered: boolean;
  following: Set<string>;
  artists: Set<string>;
  playlists: Set<string>;
  likes: Set<string>;
  albums: Set<string>;
}

/** What the model expects: the rejection code, or the model after the command. */
function modelStep(model: Model, command: UserCommand): { rejected: string } | { next: Model; changed: boolean } {
  const validId = (id: string) => id !== 'bad id';
  const toggle = (key: 'following' | 'artists' | 'playlists' | 'likes' | 'albums', id: string, on: boolean) => {
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
    case 'LikeAlbum':
      if (!validId(command.albumId)) return { rejected: 'VALIDATION_FAILED' };
      return command.albumExists ? toggle('albums', command.albumId, true) : { rejected: 'ALBUM_NOT_FOUND' };
    case 'UnlikeAlbum':
      return validId(command.albumId) ? toggle('albums', command.albumId, false) : { rejected: 'VALIDATION_FAILED' };
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
  it('step by step, the decider agrees with a naive model of the five sets, and records an event exactly when the model changes', () => {
    fc.assert(
      fc.property(fc.array(userCommandArb, { maxLength: 60 }), (commands) => {
        let model: Model = { registered: false, following: new Set(), artists: new Set(), playlists: new Set(), likes: new Set(), albums: new Set() };
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
        expect(user.albums).toStrictEqual(model.albums);
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
