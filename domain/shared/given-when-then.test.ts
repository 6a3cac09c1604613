import { describe, expect, it } from 'vitest';
import type { Decider, DomainEvent } from './decider.js';
import { reject } from './errors.js';
import { attempt, given, isProgrammingError, thrownBy } from './given-when-then.js';

/** A counter that rejects going below zero and blows up on 'crash'. */
type Counted = DomainEvent<'Counted', { by: number }>;
type Count = { type: 'Count'; by: number } | { type: 'Crash' };
const counter: Decider<Count, Counted, number> = {
  initialState: 0,
  decide(command, state) {
    if (command.type === 'Crash') throw new TypeError('boom');
    if (state + command.by < 0) return reject('VALIDATION_FAILED', 'below zero');
    return command.by === 0 ? [] : [{ type: 'Counted', data: { by: command.by } }];
  },
  evolve: (state, event) => state + event.data.by,
};
const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });

describe('given/when/then', () => {
  it('then passes on the expected events and returns the state they lead to', () => {
    expect(given(counter, [counted(2)]).when({ type: 'Count', by: 3 }).then([counted(3)])).toBe(5);
  });

  it('then fails on other events', () => {
    expect(thrownBy(() => given(counter).when({ type: 'Count', by: 3 }).then([counted(4)]))).toBeInstanceOf(Error);
    expect(thrownBy(() => given(counter).when({ type: 'Count', by: 3 }).then([]))).toBeInstanceOf(Error);
  });

  it('thenRejects passes on the expected code and returns the error', () => {
    expect(given(counter).when({ type: 'Count', by: -1 }).thenRejects('VALIDATION_FAILED').code).toBe('VALIDATION_FAILED');
  });

  it('thenRejects fails on another code, on events, and lets a non-domain error through', () => {
    expect(thrownBy(() => given(counter).when({ type: 'Count', by: -1 }).thenRejects('FORBIDDEN'))).toBeInstanceOf(Error);
    expect(thrownBy(() => given(counter).when({ type: 'Count', by: 1 }).thenRejects('VALIDATION_FAILED'))).toBeInstanceOf(Error);
    expect(thrownBy(() => given(counter).when({ type: 'Crash' }).thenRejects('VALIDATION_FAILED'))).toBeInstanceOf(TypeError);
  });

  it('attempt gives the events or the rejection code, and rethrows anything else', () => {
    expect(attempt(counter, { type: 'Count', by: 1 }, 0)).toStrictEqual({ events: [counted(1)] });
    expect(attempt(counter, { type: 'Count', by: -1 }, 0)).toStrictEqual({ rejected: 'VALIDATION_FAILED' });
    expect(thrownBy(() => attempt(counter, { type: 'Crash' }, 0))).toSatisfy(isProgrammingError);
  });
});
