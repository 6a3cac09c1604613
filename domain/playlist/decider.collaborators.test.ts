/** The playlist decider: who may add, change and remove collaborators, and what they may do then. */
import { describe, expect, it } from 'vitest';
import { given } from '../shared/given-when-then.js';
import { playlistDecider } from './decider.js';
import type { CollaboratorRole } from './events.js';
import { at, later, created, details, setCollaborator, removeCollaborator, withTeam, activeState } from './decider.fixtures.js';

describe('playlist decider: collaborators', () => {
  it('the owner adding a collaborator records CollaboratorAdded', () => {
    const state = given(playlistDecider, [created()])
      .when(setCollaborator('owner', 'ed', 'editor'))
      .then([{ type: 'CollaboratorAdded', data: { playlistId: 'pl-1', userId: 'ed', role: 'editor', addedBy: 'owner', at: later } }]);
    expect(activeState(state).collaborators).toStrictEqual(new Map([['ed', 'editor']]));
  });

  it('setting the role a collaborator already has records nothing', () => {
    given(playlistDecider, withTeam()).when(setCollaborator('owner', 'ed', 'editor')).then([]);
    given(playlistDecider, withTeam()).when(setCollaborator('owner', 'vi', 'viewer')).then([]);
  });

  it('giving a collaborator another role records CollaboratorRoleChanged', () => {
    const state = given(playlistDecider, withTeam())
      .when(setCollaborator('owner', 'vi', 'editor'))
      .then([{ type: 'CollaboratorRoleChanged', data: { playlistId: 'pl-1', userId: 'vi', role: 'editor', changedBy: 'owner', at: later } }]);
    expect(activeState(state).collaborators).toStrictEqual(
      new Map([
        ['ed', 'editor'],
        ['vi', 'editor'],
      ]),
    );
  });

  it('an editor demoted to viewer can no longer change the details', () => {
    given(playlistDecider, [
      ...withTeam({ collaborative: true }),
      { type: 'CollaboratorRoleChanged', data: { playlistId: 'pl-1', userId: 'ed', role: 'viewer', changedBy: 'owner', at } },
    ])
      .when(details('ed', { name: 'Ours' }))
      .thenRejects('FORBIDDEN');
  });

  it('making the owner a collaborator is rejected with VALIDATION_FAILED', () => {
    given(playlistDecider, [created()]).when(setCollaborator('owner', 'owner', 'editor')).thenRejects('VALIDATION_FAILED');
  });

  it('a collaborator who does not exist is rejected with USER_NOT_FOUND', () => {
    given(playlistDecider, [created()]).when(setCollaborator('owner', 'ghost', 'viewer', false)).thenRejects('USER_NOT_FOUND');
  });

  it('a bad collaborator id is rejected with VALIDATION_FAILED', () => {
    given(playlistDecider, [created()]).when(setCollaborator('owner', 'bad id', 'viewer')).thenRejects('VALIDATION_FAILED');
  });

  it('a role other than editor or viewer is rejected with VALIDATION_FAILED', () => {
    given(playlistDecider, [created()])
      .when(setCollaborator('owner', 'ed', 'owner' as unknown as CollaboratorRole))
      .thenRejects('VALIDATION_FAILED');
  });

  it('validation comes before the user lookup: a bad role for a missing user is VALIDATION_FAILED', () => {
    given(playlistDecider, [created()])
      .when(setCollaborator('owner', 'ghost', 'admin' as unknown as CollaboratorRole, false))
      .thenRejects('VALIDATION_FAILED');
  });

  it.each(['ed', 'vi'])('%s (a collaborator) cannot add collaborators: FORBIDDEN', (actorId) => {
    given(playlistDecider, withTeam({ collaborative: true }))
      .when(setCollaborator(actorId, 'newbie', 'viewer'))
      .thenRejects('FORBIDDEN');
  });

  it('a stranger to a private playlist adding collaborators gets PLAYLIST_NOT_FOUND', () => {
    given(playlistDecider, withTeam({ public: false }))
      .when(setCollaborator('stranger', 'stranger', 'editor'))
      .thenRejects('PLAYLIST_NOT_FOUND');
  });

  it('the owner removing a collaborator records CollaboratorRemoved', () => {
    const state = given(playlistDecider, withTeam())
      .when(removeCollaborator('owner', 'ed'))
      .then([{ type: 'CollaboratorRemoved', data: { playlistId: 'pl-1', userId: 'ed', removedBy: 'owner', at: later } }]);
    expect(activeState(state).collaborators).toStrictEqual(new Map([['vi', 'viewer']]));
  });

  it('removing someone who is not a collaborator records nothing', () => {
    given(playlistDecider, withTeam()).when(removeCollaborator('owner', 'stranger')).then([]);
    given(playlistDecider, withTeam()).when(removeCollaborator('owner', 'owner')).then([]);
  });

  it('removing a bad collaborator id is rejected with VALIDATION_FAILED', () => {
    given(playlistDecider, withTeam()).when(removeCollaborator('owner', '')).thenRejects('VALIDATION_FAILED');
  });

  it.each(['ed', 'vi'])('%s (a collaborator) cannot remove another collaborator: FORBIDDEN', (actorId) => {
    const otherOne = actorId === 'ed' ? 'vi' : 'ed';
    given(playlistDecider, withTeam({ collaborative: true })).when(removeCollaborator(actorId, otherOne)).thenRejects('FORBIDDEN');
  });

  it.each(['ed', 'vi'])('%s (a collaborator) may leave: removing themselves records CollaboratorRemoved', (actorId) => {
    given(playlistDecider, withTeam({ collaborative: true }))
      .when(removeCollaborator(actorId, actorId))
      .then([{ type: 'CollaboratorRemoved', data: { playlistId: 'pl-1', userId: actorId, removedBy: actorId, at: later } }]);
  });

  it('a collaborator removed from a private playlist no longer finds it: PLAYLIST_NOT_FOUND', () => {
    given(playlistDecider, [
      ...withTeam({ public: false, collaborative: true }),
      { type: 'CollaboratorRemoved', data: { playlistId: 'pl-1', userId: 'ed', removedBy: 'owner', at } },
    ])
      .when(details('ed', { name: 'Ours' }))
      .thenRejects('PLAYLIST_NOT_FOUND');
  });
});
