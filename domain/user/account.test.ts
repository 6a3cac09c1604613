/** Role, profile and removal of a user: what admins and the people themselves change. */
import { describe, expect, it } from 'vitest';
import { given } from '../shared/given-when-then.js';
import { userDecider, type UserCommand } from './decider.js';
import type { UserEvent } from './events.js';

const at = '2024-05-01T12:00:00.000Z';
const registered: UserEvent = { type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at } };
const removed: UserEvent = { type: 'UserRemoved', data: { userId: 'alice', at } };
const register = (over: Partial<Extract<UserCommand, { type: 'RegisterUser' }>> = {}): UserCommand => ({
  type: 'RegisterUser',
  userId: 'alice',
  displayName: 'Alice',
  at,
  ...over,
});

describe('user decider: local accounts', () => {
  it('a first admin registers with a role and a username; user is the default role and is not written', () => {
    const state = given(userDecider)
      .when(register({ role: 'admin', username: 'alice' }))
      .then([{ type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at, role: 'admin', username: 'alice' } }]);
    expect(state).toMatchObject({ role: 'admin' });
    given(userDecider).when(register({ role: 'user' })).then([registered]);
  });

  it('registering again never changes the role', () => {
    const state = given(userDecider, [registered]).when(register({ role: 'admin' })).then([]);
    expect(state).toMatchObject({ role: 'user' });
  });

  it.each([
    ['an unknown role', { role: 'root' as 'admin' }],
    ['a username with a space', { username: 'al ice' }],
    ['a username with a NUL', { username: 'al\0ice' }],
    ['a username starting with a dot', { username: '.alice' }],
    ['a username of 65 characters', { username: 'a'.repeat(65) }],
    ['a username that is a number', { username: 42 as unknown as string }],
  ])('%s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(userDecider).when(register(over)).thenRejects('VALIDATION_FAILED');
  });

  it('changing the role records UserRoleChanged once', () => {
    const promoted: UserEvent = { type: 'UserRoleChanged', data: { userId: 'alice', role: 'admin', at } };
    const state = given(userDecider, [registered]).when({ type: 'ChangeRole', userId: 'alice', role: 'admin', at }).then([promoted]);
    expect(state).toMatchObject({ role: 'admin' });
    given(userDecider, [registered, promoted]).when({ type: 'ChangeRole', userId: 'alice', role: 'admin', at }).then([]);
  });

  it('changing the display name records UserProfileChanged with the trimmed name; the same name records nothing', () => {
    const state = given(userDecider, [registered])
      .when({ type: 'ChangeProfile', userId: 'alice', displayName: '  Alice B. ', at })
      .then([{ type: 'UserProfileChanged', data: { userId: 'alice', displayName: 'Alice B.', at } }]);
    expect(state).toMatchObject({ displayName: 'Alice B.' });
    given(userDecider, [registered]).when({ type: 'ChangeProfile', userId: 'alice', displayName: 'Alice', at }).then([]);
    given(userDecider, [registered]).when({ type: 'ChangeProfile', userId: 'alice', displayName: ' ', at }).thenRejects('VALIDATION_FAILED');
  });

  it('removing records UserRemoved once; a removed user cannot register again nor be changed', () => {
    const state = given(userDecider, [registered]).when({ type: 'RemoveUser', userId: 'alice', at }).then([removed]);
    expect(state).toStrictEqual({ status: 'removed', userId: 'alice' });
    given(userDecider, [registered, removed]).when({ type: 'RemoveUser', userId: 'alice', at }).then([]);
    given(userDecider, [registered, removed]).when(register()).thenRejects('USER_REMOVED');
    given(userDecider, [registered, removed]).when({ type: 'ChangeRole', userId: 'alice', role: 'admin', at }).thenRejects('USER_NOT_FOUND');
    given(userDecider, [registered, removed]).when({ type: 'LikeTrack', userId: 'alice', trackId: 't', trackExists: true, at }).thenRejects('USER_NOT_FOUND');
  });

  it('removing a user who never registered is rejected with USER_NOT_FOUND', () => {
    given(userDecider).when({ type: 'RemoveUser', userId: 'alice', at }).thenRejects('USER_NOT_FOUND');
  });
});
