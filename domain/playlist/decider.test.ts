import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { given, isProgrammingError, thrownBy } from '../shared/given-when-then.js';
import { playlistDecider, type PlaylistCommand } from './decider.js';
import type { PlaylistEvent } from './events.js';
import {
  type Create,
  type ChangeDetails,
  at,
  later,
  create,
  created,
  details,
  visibility,
  deletePlaylist,
  added,
  deleted,
  edited,
  withTeam,
  everyCommandBy,
  activeState,
} from './decider.fixtures.js';

describe('playlist decider: creating', () => {
  it('creating a playlist records PlaylistCreated: public, not collaborative and without description by default', () => {
    const state = given(playlistDecider).when(create()).then([created()]);
    expect(state).toStrictEqual({
      status: 'active',
      playlistId: 'pl-1',
      ownerId: 'owner',
      name: 'Road trip',
      description: '',
      public: true,
      collaborative: false,
      collaborators: new Map(),
    });
  });

  it('a private, collaborative playlist with a description is created as asked, the name trimmed and the description as is', () => {
    given(playlistDecider)
      .when(create({ name: '  Road trip ', description: '  Songs for the car ', public: false, collaborative: true, at: '2024-05-01T14:00:00+02:00' }))
      .then([created({ description: '  Songs for the car ', public: false, collaborative: true })]);
  });

  it('creating a playlist that exists is rejected with PLAYLIST_ALREADY_EXISTS, even with the same details', () => {
    given(playlistDecider, [created()]).when(create()).thenRejects('PLAYLIST_ALREADY_EXISTS');
  });

  it('creating a playlist that was deleted is rejected with PLAYLIST_ALREADY_EXISTS', () => {
    given(playlistDecider, [created(), deleted]).when(create()).thenRejects('PLAYLIST_ALREADY_EXISTS');
  });

  it.each([
    ['a bad playlistId', { playlistId: 'pl 1' }],
    ['an empty playlistId', { playlistId: '' }],
    ['a bad ownerId', { ownerId: '@owner' }],
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name over 200 characters', { name: 'n'.repeat(201) }],
    ['a description over 1000 characters', { description: 'd'.repeat(1_001) }],
    ['a time that is not a time', { at: 'now' }],
  ] satisfies [string, Partial<Create>][])('a playlist with %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(playlistDecider).when(create(over)).thenRejects('VALIDATION_FAILED');
  });

  it('a name of 200 characters and a description of 1000 characters are accepted', () => {
    given(playlistDecider)
      .when(create({ name: 'n'.repeat(200), description: 'd'.repeat(1_000) }))
      .then([created({ name: 'n'.repeat(200), description: 'd'.repeat(1_000) })]);
  });

  it('a bad playlistId or time is rejected before anything else, whatever the state', () => {
    for (const command of everyCommandBy('owner')) {
      given(playlistDecider, [created(), deleted]).when({ ...command, playlistId: 'bad id' }).thenRejects('VALIDATION_FAILED');
      given(playlistDecider).when({ ...command, at: 'never' }).thenRejects('VALIDATION_FAILED');
    }
  });

  it('a command type the decider does not know is a programming error, not a DomainError', () => {
    const forged = { type: 'ArchivePlaylist', playlistId: 'pl-1', actorId: 'owner', at } as unknown as PlaylistCommand;
    expect(thrownBy(() => playlistDecider.decide(forged, fold(playlistDecider, [created()])))).toSatisfy(isProgrammingError);
  });
});

describe('playlist decider: playlists that do not exist or were deleted', () => {
  it.each(everyCommandBy('owner').map((c) => [c.type, c] as const))('%s on a playlist that does not exist is rejected with PLAYLIST_NOT_FOUND', (_type, command) => {
    given(playlistDecider).when(command).thenRejects('PLAYLIST_NOT_FOUND');
  });

  it.each(everyCommandBy('owner').map((c) => [c.type, c] as const))('%s on a deleted playlist is rejected with PLAYLIST_DELETED', (_type, command) => {
    given(playlistDecider, [...withTeam(), deleted]).when(command).thenRejects('PLAYLIST_DELETED');
  });

  it('deleting a deleted playlist again is rejected with PLAYLIST_DELETED', () => {
    given(playlistDecider, [created(), deleted]).when(deletePlaylist('owner')).thenRejects('PLAYLIST_DELETED');
  });
});

describe('playlist decider: changing details', () => {
  it('the owner renaming records PlaylistDetailsChanged with the new name only', () => {
    const state = given(playlistDecider, [created()])
      .when(details('owner', { name: ' Summer ' }))
      .then([{ type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', name: 'Summer', changedBy: 'owner', at: later } }]);
    expect(activeState(state)).toMatchObject({ name: 'Summer', description: '' });
  });

  it('the owner describing records PlaylistDetailsChanged with the new description only', () => {
    const state = given(playlistDecider, [created()])
      .when(details('owner', { description: 'For the car' }))
      .then([{ type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', description: 'For the car', changedBy: 'owner', at: later } }]);
    expect(activeState(state)).toMatchObject({ name: 'Road trip', description: 'For the car' });
  });

  it('renaming and describing at once records both in one event', () => {
    given(playlistDecider, [created()])
      .when(details('owner', { name: 'Summer', description: 'Hot' }))
      .then([{ type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', name: 'Summer', description: 'Hot', changedBy: 'owner', at: later } }]);
  });

  it('a description can be cleared', () => {
    const state = given(playlistDecider, [created({ description: 'Old' })])
      .when(details('owner', { description: '' }))
      .then([{ type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', description: '', changedBy: 'owner', at: later } }]);
    expect(activeState(state).description).toBe('');
  });

  it('setting the same name (after trimming) and the same description records nothing', () => {
    given(playlistDecider, [created({ description: 'Hot' })])
      .when(details('owner', { name: 'Road trip  ', description: 'Hot' }))
      .then([]);
  });

  it('a change that names neither name nor description records nothing', () => {
    given(playlistDecider, [created()]).when(details('owner')).then([]);
  });

  it('only what differs is recorded: the same name with a new description records the description', () => {
    given(playlistDecider, [created()])
      .when(details('owner', { name: 'Road trip', description: 'New' }))
      .then([{ type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', description: 'New', changedBy: 'owner', at: later } }]);
  });

  it('an editor of a collaborative playlist changes the details', () => {
    given(playlistDecider, withTeam({ collaborative: true }))
      .when(details('ed', { name: 'Ours' }))
      .then([{ type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', name: 'Ours', changedBy: 'ed', at: later } }]);
  });

  it('an editor of a playlist that is not collaborative cannot change the details: FORBIDDEN', () => {
    given(playlistDecider, withTeam({ collaborative: false }))
      .when(details('ed', { name: 'Ours' }))
      .thenRejects('FORBIDDEN');
  });

  it('an editor loses the right to change details when the playlist stops being collaborative', () => {
    given(playlistDecider, [
      ...withTeam({ collaborative: true }),
      { type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', collaborative: false, changedBy: 'owner', at } },
    ])
      .when(details('ed', { name: 'Ours' }))
      .thenRejects('FORBIDDEN');
  });

  it('a viewer cannot change the details, even of a collaborative playlist: FORBIDDEN', () => {
    given(playlistDecider, withTeam({ collaborative: true }))
      .when(details('vi', { name: 'Mine' }))
      .thenRejects('FORBIDDEN');
  });

  it('a viewer of a private playlist sees it, so is told FORBIDDEN rather than PLAYLIST_NOT_FOUND', () => {
    given(playlistDecider, withTeam({ public: false }))
      .when(details('vi', { name: 'Mine' }))
      .thenRejects('FORBIDDEN');
  });

  it('a stranger to a public playlist cannot change the details: FORBIDDEN', () => {
    given(playlistDecider, withTeam({ public: true, collaborative: true }))
      .when(details('stranger', { name: 'Mine' }))
      .thenRejects('FORBIDDEN');
  });

  it('a stranger to a private playlist gets PLAYLIST_NOT_FOUND, not FORBIDDEN', () => {
    given(playlistDecider, withTeam({ public: false, collaborative: true }))
      .when(details('stranger', { name: 'Mine' }))
      .thenRejects('PLAYLIST_NOT_FOUND');
  });

  it('a forbidden actor is told FORBIDDEN before their input is validated', () => {
    given(playlistDecider, withTeam()).when(details('vi', { name: '' })).thenRejects('FORBIDDEN');
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a blank name', { name: '  ' }],
    ['a name over 200 characters', { name: 'n'.repeat(201) }],
    ['a description over 1000 characters', { description: 'd'.repeat(1_001) }],
  ] satisfies [string, Partial<ChangeDetails>][])('details with %s are rejected with VALIDATION_FAILED', (_what, over) => {
    given(playlistDecider, [created()]).when(details('owner', over)).thenRejects('VALIDATION_FAILED');
  });
});

describe('playlist decider: visibility', () => {
  it('the owner making the playlist private records PlaylistVisibilityChanged with public only', () => {
    const state = given(playlistDecider, [created()])
      .when(visibility('owner', { public: false }))
      .then([{ type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', public: false, changedBy: 'owner', at: later } }]);
    expect(activeState(state)).toMatchObject({ public: false, collaborative: false });
  });

  it('the owner making the playlist collaborative records collaborative only', () => {
    const state = given(playlistDecider, [created()])
      .when(visibility('owner', { collaborative: true }))
      .then([{ type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', collaborative: true, changedBy: 'owner', at: later } }]);
    expect(activeState(state)).toMatchObject({ public: true, collaborative: true });
  });

  it('changing both at once records both in one event', () => {
    given(playlistDecider, [created()])
      .when(visibility('owner', { public: false, collaborative: true }))
      .then([{ type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', public: false, collaborative: true, changedBy: 'owner', at: later } }]);
  });

  it('setting what is already set records nothing', () => {
    given(playlistDecider, [created()])
      .when(visibility('owner', { public: true, collaborative: false }))
      .then([]);
  });

  it('a visibility change that names neither flag records nothing', () => {
    given(playlistDecider, [created()]).when(visibility('owner')).then([]);
  });

  it('only what differs is recorded', () => {
    given(playlistDecider, [created()])
      .when(visibility('owner', { public: true, collaborative: true }))
      .then([{ type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', collaborative: true, changedBy: 'owner', at: later } }]);
  });

  it.each(['ed', 'vi'])('%s (a collaborator) cannot change the visibility, even of a collaborative playlist: FORBIDDEN', (actorId) => {
    given(playlistDecider, withTeam({ public: false, collaborative: true }))
      .when(visibility(actorId, { public: true }))
      .thenRejects('FORBIDDEN');
  });

  it('a stranger to a public playlist cannot change the visibility: FORBIDDEN', () => {
    given(playlistDecider, [created()])
      .when(visibility('stranger', { public: false }))
      .thenRejects('FORBIDDEN');
  });

  it('a stranger to a private playlist gets PLAYLIST_NOT_FOUND', () => {
    given(playlistDecider, [created({ public: false })])
      .when(visibility('stranger', { public: true }))
      .thenRejects('PLAYLIST_NOT_FOUND');
  });
});

describe('playlist decider: deleting', () => {
  it('the owner deleting records PlaylistDeleted and the playlist is deleted', () => {
    const state = given(playlistDecider, withTeam())
      .when(deletePlaylist('owner'))
      .then([{ type: 'PlaylistDeleted', data: { playlistId: 'pl-1', deletedBy: 'owner', at: later } }]);
    expect(state).toStrictEqual({ ...fold(playlistDecider, withTeam()), status: 'deleted' });
  });

  it('a stranger learns nothing of a deleted private playlist: PLAYLIST_NOT_FOUND, not PLAYLIST_DELETED', () => {
    given(playlistDecider, [...withTeam({ public: false }), deleted]).when(deletePlaylist('stranger')).thenRejects('PLAYLIST_NOT_FOUND');
    given(playlistDecider, [...withTeam({ public: false }), deleted]).when(deletePlaylist('owner')).thenRejects('PLAYLIST_DELETED');
  });

  it.each(['ed', 'vi'])('%s (a collaborator) cannot delete, even a collaborative playlist: FORBIDDEN', (actorId) => {
    given(playlistDecider, withTeam({ collaborative: true })).when(deletePlaylist(actorId)).thenRejects('FORBIDDEN');
  });

  it('a stranger deleting a public playlist is FORBIDDEN, a private one PLAYLIST_NOT_FOUND', () => {
    given(playlistDecider, withTeam({ public: true })).when(deletePlaylist('stranger')).thenRejects('FORBIDDEN');
    given(playlistDecider, withTeam({ public: false })).when(deletePlaylist('stranger')).thenRejects('PLAYLIST_NOT_FOUND');
  });
});

describe('playlist decider: evolve', () => {
  it('an event type evolve does not know is a programming error on an active playlist', () => {
    const forged = { type: 'PlaylistArchived', data: { playlistId: 'pl-1' } } as unknown as PlaylistEvent;
    expect(thrownBy(() => playlistDecider.evolve(fold(playlistDecider, [created()]), forged))).toSatisfy(isProgrammingError);
  });

  it('events before PlaylistCreated leave the playlist non-existent', () => {
    const before: PlaylistEvent[] = [added('ed', 'editor'), edited, deleted];
    expect(fold(playlistDecider, before)).toStrictEqual({ status: 'none' });
  });

  it('events after PlaylistDeleted are ignored', () => {
    const after: PlaylistEvent[] = [
      { type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', name: 'Zombie', changedBy: 'owner', at } },
      { type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', public: false, changedBy: 'owner', at } },
      added('ed', 'editor'),
      edited,
    ];
    expect(fold(playlistDecider, [created(), deleted, ...after])).toStrictEqual(fold(playlistDecider, [created(), deleted]));
  });

  it('collaborative edits and compactions do not change the lifecycle state', () => {
    const compacted: PlaylistEvent = { type: 'PlaylistCompacted', data: { playlistId: 'pl-1', state: 'AAAA', upToRevision: 3, at } };
    expect(fold(playlistDecider, [...withTeam(), edited, compacted])).toStrictEqual(fold(playlistDecider, withTeam()));
  });

  it('a details change with only a name keeps the description, and with only a description keeps the name', () => {
    const state = fold(playlistDecider, [
      created({ description: 'D0' }),
      { type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', name: 'N1', changedBy: 'owner', at } },
      { type: 'PlaylistDetailsChanged', data: { playlistId: 'pl-1', description: 'D1', changedBy: 'owner', at } },
      { type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', public: false, changedBy: 'owner', at } },
      { type: 'PlaylistVisibilityChanged', data: { playlistId: 'pl-1', collaborative: true, changedBy: 'owner', at } },
    ]);
    expect(activeState(state)).toMatchObject({ name: 'N1', description: 'D1', public: false, collaborative: true });
  });

  it('evolve does not mutate the state it is given', () => {
    const before = fold(playlistDecider, withTeam());
    playlistDecider.evolve(before, added('carol', 'viewer'));
    playlistDecider.evolve(before, { type: 'CollaboratorRemoved', data: { playlistId: 'pl-1', userId: 'ed', removedBy: 'owner', at } });
    expect(activeState(before).collaborators).toStrictEqual(
      new Map([
        ['ed', 'editor'],
        ['vi', 'viewer'],
      ]),
    );
  });
});
