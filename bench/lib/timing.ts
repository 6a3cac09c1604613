/** Clocks and load shapes: closed-loop writers for throughput, an open-loop pacer for latency. */
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Throughput {
  /** Units of work done (events, rows). */
  units: number;
  seconds: number;
  perSecond: number;
}

/**
 * Runs `writers` loops side by side; each calls `step` again as soon as the previous call
 * resolved, until `seconds` have passed. `step` returns the units it did. The clock stops when
 * the last in-flight step resolves, so every counted unit lies inside the timed span.
 */
export async function closedLoop(
  writers: number,
  seconds: number,
  step: (writer: number, iteration: number) => Promise<number>,
): Promise<Throughput> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let units = 0;
  const loop = async (writer: number) => {
    for (let iteration = 0; performance.now() < deadline; iteration += 1) {
      // Not `units += await step()`: that reads `units` before the await and loses the other
      // writers' updates made meanwhile.
      const done = await step(writer, iteration);
      units += done;
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, writer) => loop(writer)));
  const elapsed = (performance.now() - started) / 1_000;
  return { units, seconds: elapsed, perSecond: units / elapsed };
}

export interface PacedRun {
  /** Wall-clock bounds of the launches. */
  from: number;
  to: number;
  launched: number;
  /** How far behind its schedule the latest launch was (ms): the pacer's own lag. */
  maxLagMs: number;
}

/**
 * Launches `task` at a steady `perSecond` by the clock for `seconds`, without waiting for earlier
 * launches to finish (open loop), then waits for all of them.
 */
export async function paced(perSecond: number, seconds: number, task: (index: number) => Promise<void>): Promise<PacedRun> {
  const from = wallClockMs();
  const started = performance.now();
  const total = Math.round(perSecond * seconds);
  const inFlight: Promise<void>[] = [];
  let maxLagMs = 0;
  while (inFlight.length < total) {
    const elapsed = performance.now() - started;
    const due = Math.min(total, Math.floor((elapsed * perSecond) / 1_000) + 1);
    while (inFlight.length < due) {
      const scheduled = (inFlight.length * 1_000) / perSecond;
      maxLagMs = Math.max(maxLagMs, performance.now() - started - scheduled);
      inFlight.push(task(inFlight.length));
    }
    await sleep(1);
  }
  const to = wallClockMs();
  await Promise.all(inFlight);
  return { from, to, launched: total, maxLagMs };
}
