/**
 * Given/when/then for deciders: `given(decider, pastEvents).when(command).then(expectedEvents)`
 * or `.thenRejects(code)`. Rejections are matched by `DomainError.code`, never by message text.
 * `then` returns the state after the new events, so a test can go on to look at what evolve did.
 */
import { expect } from 'vitest';
import { fold, type Decider, type DomainEvent } from './decider.js';
import { DomainError, type DomainErrorCode } from './errors.js';

export interface When<Event, State> {
  /** Asserts the command records exactly these events; returns the state they lead to. */
  then(expected: readonly Event[]): State;
  /** Asserts the command is rejected with a DomainError of this code; returns the error. */
  thenRejects(code: DomainErrorCode): DomainError;
}

export interface Given<Command, Event, State> {
  readonly state: State;
  when(command: Command): When<Event, State>;
}

export function given<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  events: readonly Event[] = [],
): Given<Command, Event, State> {
  const state = fold(decider, events);
  return {
    state,
    when: (command) => ({
      then(expected) {
        const actual = decider.decide(command, state);
        expect(actual).toStrictEqual(expected);
        return actual.reduce(decider.evolve, state);
      },
      thenRejects(code) {
        let outcome: unknown;
        try {
          outcome = decider.decide(command, state);
        } catch (error) {
          if (error instanceof DomainError) {
            expect(error.code).toBe(code);
            return error;
          }
          throw error;
        }
        return expect.unreachable(`expected a rejection with ${code}, got events ${JSON.stringify(outcome)}`);
      },
    }),
  };
}

/** The code a command is rejected with, or the events it records (for properties). */
export function attempt<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  command: Command,
  state: State,
): { events: Event[] } | { rejected: DomainErrorCode } {
  try {
    return { events: decider.decide(command, state) };
  } catch (error) {
    if (error instanceof DomainError) return { rejected: error.code };
    throw error;
  }
}

/** What `fn` throws (undefined when it returns). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** An Error that is not a DomainError: a bug in the caller (e.g. a command type nobody handles). */
export const isProgrammingError = (error: unknown): boolean => error instanceof Error && !(error instanceof DomainError);
