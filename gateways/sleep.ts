/** Waits without holding up a shutdown: the loops of subscriptions, runners and the relay back off with it. */
import { setTimeout as delay } from 'node:timers/promises';

/** Resolves after `ms`, or at once when `signal` is aborted; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
