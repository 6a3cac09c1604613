/** The playlist decider's properties: random histories of commands by random actors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { attempt } from '../shared/given-when-then.js';
import { canManage, canRead } from './access.js';
import { playlistDecider, type PlaylistCommand, type PlaylistState } from './decider.js';
import type { CollaboratorRole, PlaylistEvent } from './events.js';
import { later, create, created } from './decider.fixtures.js';

const actorArb = fc.constantFrom('owner', 'ed', 'vi', 'x', 'y');
const userArb = fc.constantFrom('owner', 'ed', 'vi', 'x', 'y', 'bad id');
const roleArb = fc.constantFrom<CollaboratorRole>('editor', 'viewer');
const textArb = fc.constantFrom('', 'A', 'B', ' B ');

/** Every command but CreatePlaylist (histories start from a created playlist). */
const playlistCommandArb: fc.Arbitrary<Exclude<PlaylistCommand, { type: 'CreatePlaylist' }>> = fc.oneof(
  fc.record({
    type: fc.constant('ChangePlaylistDetails' as const),
    playlistId: fc.constant('pl-1'),
    actorId: actorArb,
    name: fc.option(textArb, { nil: undefined }),
    description: fc.option(textArb, { nil: undefined }),
    at: fc.constant(later),
  }),
  fc.record({
    type: fc.constant('ChangePlaylistVisibility' as const),
    playlistId: fc.constant('pl-1'),
    actorId: actorArb,
    public: fc.option(fc.boolean(), { nil: undefined }),
    collaborative: fc.option(fc.boolean(), { nil: undefined }),
    at: fc.constant(later),
  }),
  fc.record({
    type: fc.constant('SetCollaborator' as const),
    playlistId: fc.constant('pl-1'),
    actorId: actorArb,
    userId: userArb,
    role: roleArb,
    userExists: fc.boolean(),
    at: fc.constant(later),
  }),
  fc.record({ type: fc.constant('RemoveCollaborator' as const), playlistId: fc.constant('pl-1'), actorId: actorArb, userId: userArb, at: fc.constant(later) }),
  fc.record({ type: fc.constant('DeletePlaylist' as const), playlistId: fc.constant('pl-1'), actorId: actorArb, at: fc.constant(later) }),
);

const startArb = fc.record({ public: fc.boolean(), collaborative: fc.boolean() }).map((flags) => created(flags));

function run(start: PlaylistEvent, commands: readonly PlaylistCommand[]): { events: PlaylistEvent[]; state: PlaylistState } {
  const events: PlaylistEvent[] = [start];
  let state = playlistDecider.evolve(playlistDecider.initialState, start);
  for (const command of commands) {
    const outcome = attempt(playlistDecider, command, state);
    if ('events' in outcome) {
      events.push(...outcome.events);
      state = outcome.events.reduce(playlistDecider.evolve, state);
    }
  }
  return { events, state };
}

describe('playlist decider: properties', () => {
  it('every accepted command except DeletePlaylist and leaving, decided again right after, records nothing', () => {
    fc.assert(
      fc.property(startArb, fc.array(playlistCommandArb, { maxLength: 25 }), playlistCommandArb, (start, history, command) => {
        fc.pre(command.type !== 'DeletePlaylist');
        // A collaborator who left a private playlist can no longer see it (tested above).
        fc.pre(!(command.type === 'RemoveCollaborator' && command.userId === command.actorId));
        const { state } = run(start, history);
        const first = attempt(playlistDecider, command, state);
        fc.pre('events' in first);
        const after = first.events.reduce(playlistDecider.evolve, state);
        expect(attempt(playlistDecider, command, after)).toStrictEqual({ events: [] });
      }),
    );
  });

  it('the owner is never a collaborator and keeps managing the playlist in every reachable state', () => {
    fc.assert(
      fc.property(startArb, fc.array(playlistCommandArb, { maxLength: 40 }), (start, commands) => {
        const { state } = run(start, commands);
        if (state.status !== 'active') return;
        expect(state.collaborators.has(state.ownerId)).toBe(false);
        expect(canManage(state, state.ownerId)).toBe(true);
      }),
    );
  });

  it('a stranger to a private playlist cannot tell it from one that does not exist, whatever they send', () => {
    fc.assert(
      fc.property(startArb, fc.array(playlistCommandArb, { maxLength: 25 }), playlistCommandArb, (start, history, command) => {
        const { state } = run(start, history);
        fc.pre(state.status === 'active' && !state.public && command.actorId !== 'owner' && !state.collaborators.has(command.actorId));
        expect(attempt(playlistDecider, command, state)).toStrictEqual(attempt(playlistDecider, command, playlistDecider.initialState));
        expect(attempt(playlistDecider, command, state)).toStrictEqual({ rejected: 'PLAYLIST_NOT_FOUND' });
      }),
    );
  });

  it('a deleted playlist accepts nothing', () => {
    fc.assert(
      fc.property(startArb, fc.array(playlistCommandArb, { maxLength: 25 }), playlistCommandArb, (start, history, command) => {
        const { state } = run(start, [...history, { type: 'DeletePlaylist', playlistId: 'pl-1', actorId: 'owner', at: later }]);
        expect(state.status).toBe('deleted');
        const actor = 'actorId' in command ? command.actorId : undefined;
        const visible = state.status === 'deleted' && actor !== undefined && canRead(state, actor);
        expect(attempt(playlistDecider, command, state)).toStrictEqual({ rejected: visible ? 'PLAYLIST_DELETED' : 'PLAYLIST_NOT_FOUND' });
        expect(attempt(playlistDecider, create(), state)).toStrictEqual({ rejected: 'PLAYLIST_ALREADY_EXISTS' });
      }),
    );
  });

  it('evolve is deterministic and rebuilding from the events equals the state built step by step', () => {
    fc.assert(
      fc.property(startArb, fc.array(playlistCommandArb, { maxLength: 40 }), (start, commands) => {
        const { events, state } = run(start, commands);
        expect(fold(playlistDecider, events)).toStrictEqual(fold(playlistDecider, events));
        expect(fold(playlistDecider, events)).toStrictEqual(state);
      }),
    );
  });
});
