/**
 * The one backoff of every retry loop (subscriptions, the projection runner, the Kafka relay, the
 * sync server's store queue, the event store adapters): the delay doubles from `minMs` up to
 * `maxMs`, and each wait is drawn at random from the upper half of the current step ("equal
 * jitter"), so that processes that failed together do not all come back at the same instant.
 * A wait is never longer than the step, so no loop waits longer than it did without jitter.
 */
import { sleep } from './sleep.js';

export interface BackoffOptions {
  /** The first step, in milliseconds. */
  minMs: number;
  /** The longest step, in milliseconds. */
  maxMs: number;
  /** Where the jitter comes from, in [0, 1) (default Math.random; a seeded one in tests). */
  random?: () => number;
}

export class Backoff {
  private step = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.minMs > 0) || options.maxMs < options.minMs) throw new RangeError(`backoff: need 0 < minMs <= maxMs (got ${options.minMs}, ${options.maxMs})`);
    this.random = options.random ?? Math.random;
  }

  /** True from the first `next()` until `reset()`: the loops log an outage once, and its end once. */
  get failing(): boolean {
    return this.step > 0;
  }

  /** The current step (0 before the first failure): the longest the next wait could have been. */
  get stepMs(): number {
    return this.step;
  }

  /** The delay to wait after one more failure: the step doubles (within its bounds), then jitter. */
  next(): number {
    this.step = this.step === 0 ? this.options.minMs : Math.min(this.step * 2, this.options.maxMs);
    return jittered(this.step, this.random());
  }

  /** Waits `next()` milliseconds, or less when `signal` aborts; never rejects. */
  wait(signal?: AbortSignal): Promise<void> {
    const ms = this.next();
    return signal ? sleep(ms, signal) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Back to `minMs` for the next failure (the loop made progress). */
  reset(): void {
    this.step = 0;
  }
}

/** A delay in the upper half of `step`: from step / 2 up to step. */
export function jittered(step: number, random: number): number {
  return step / 2 + (step / 2) * random;
}

/** The steps of a call retried a few times in place (an event store read or append): 40, 80, 160 ms... */
export const CALL_RETRY: BackoffOptions = { minMs: 40, maxMs: 1_000 };
