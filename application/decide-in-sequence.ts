/**
 * A decider over lists of commands: each command is decided on the state the ones before it left,
 * and their events are appended together (all or nothing). A request that changes several things
 * at once (a playlist's visibility and details) is one decision.
 */
import type { Decider, DomainEvent } from '../domain/shared/decider.js';

export function inSequence<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>): Decider<Command[], Event, State> {
  return {
    initialState: decider.initialState,
    evolve: decider.evolve,
    decide(commands, state) {
      const events: Event[] = [];
      let current = state;
      for (const command of commands) {
        const decided = decider.decide(command, current);
        current = decided.reduce(decider.evolve, current);
        events.push(...decided);
      }
      return events;
    },
  };
}
