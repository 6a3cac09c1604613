/** A user's plan and country: set at registration (dev tokens) or changed later (admin, CLI). */
import { describe, expect, it } from 'vitest';
import { given } from '../shared/given-when-then.js';
import { userDecider, type UserCommand } from './decider.js';
import type { UserEvent } from './events.js';

const at = '2024-05-01T12:00:00.000Z';
const registered: UserEvent = { type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at } };
const change = (over: Partial<Extract<UserCommand, { type: 'ChangeSubscription' }>>): UserCommand => ({ type: 'ChangeSubscription', userId: 'alice', at, ...over });

describe('user decider: plan and country', () => {
  it('a user registered with a plan and a country has them; free is the default and is not written', () => {
    const state = given(userDecider)
      .when({ type: 'RegisterUser', userId: 'alice', displayName: 'Alice', plan: 'premium', country: 'SE', at })
      .then([{ type: 'UserRegistered', data: { userId: 'alice', displayName: 'Alice', registeredAt: at, plan: 'premium', country: 'SE' } }]);
    expect(state).toMatchObject({ plan: 'premium', country: 'SE' });
    given(userDecider).when({ type: 'RegisterUser', userId: 'alice', displayName: 'Alice', plan: 'free', at }).then([registered]);
  });

  it('registering again with another plan or country records the change (a dev token asked for it)', () => {
    given(userDecider, [registered])
      .when({ type: 'RegisterUser', userId: 'alice', displayName: 'Alice', plan: 'premium', country: 'NO', at })
      .then([
        { type: 'UserPlanChanged', data: { userId: 'alice', plan: 'premium', at } },
        { type: 'UserCountryChanged', data: { userId: 'alice', country: 'NO', at } },
      ]);
  });

  it('changing to what the user has records nothing; forgetting the country records null', () => {
    given(userDecider, [registered]).when(change({ plan: 'free', country: null })).then([]);
    const withCountry: UserEvent = { type: 'UserCountryChanged', data: { userId: 'alice', country: 'SE', at } };
    const state = given(userDecider, [registered, withCountry])
      .when(change({ country: null }))
      .then([{ type: 'UserCountryChanged', data: { userId: 'alice', country: null, at } }]);
    expect(state).toMatchObject({ country: null });
  });

  it.each([
    ['an unknown plan', { plan: 'gold' as 'free' }],
    ['a lower-case country', { country: 'se' }],
    ['a country name', { country: 'Sweden' }],
    ['a country with a NUL', { country: 'S\0' }],
    ['a country that is a number', { country: 46 as unknown as string }],
  ])('%s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(userDecider, [registered]).when(change(over)).thenRejects('VALIDATION_FAILED');
  });

  it('an unregistered user cannot be changed', () => {
    given(userDecider).when(change({ plan: 'premium' })).thenRejects('USER_NOT_FOUND');
  });
});
