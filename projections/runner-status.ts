/** What a projection runner reports of itself: its state and how far it has got (runner.ts). */
import type { Position } from '../gateways/event-store/port.js';

export type RunnerState = 'starting' | 'waiting-for-lock' | 'running' | 'failed' | 'stopped';

export interface RunnerStatus {
  name: string;
  generation: number;
  state: RunnerState;
  /** Everything up to here is reflected in the read model. */
  processed: Position | null;
  eventsApplied: number;
  batches: number;
  /** Milliseconds from an event's append to its batch's commit, for the last batch. */
  lastLagMs: number | null;
  /** The position of the last event applied (not merely passed): the read model changed there. */
  lastApplied: Position | null;
  error: string | null;
  /** Poison events this runner skipped (since it started). */
  poisoned: number;
}
