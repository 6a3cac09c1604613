/**
 * Rebuild throughput: every projection built from the first event, all runners at once in one
 * process (`Projections.start()` on an empty registry, as a fresh node does), timed until each
 * has reached the head. Its physical peer, in the same run: plain `readAll` of the history.
 */
import { performance } from 'node:perf_hooks';
import type { EventFilter, Position } from '../../gateways/event-store/port.js';
import type { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { Projection } from '../../projections/projection.js';
import type { ProcessGroups } from '../lib/process-cpu.js';
import { log } from '../lib/results.js';
import { formatRate } from '../lib/table.js';
import type { Throughput } from '../lib/timing.js';
import type { ChorusNode } from './node.js';
import type { PhaseReport } from './phases.js';
import { withUsage, type Usage } from './usage.js';

export type Read = Throughput & { usage: Usage };

export interface ReadFigures {
  unfiltered: Read;
  plays: Read;
  /** Every projection's filtered read at once, as the rebuild reads: history events / wall time. */
  allFilters: Read;
}

export async function measureReads(store: PostgresEventStore, projections: readonly Projection[], events: number, groups: ProcessGroups): Promise<ReadFigures> {
  const unfiltered = await timedRead(groups, async () => readCount(store, undefined));
  log(`read: unfiltered ${formatRate(unfiltered.perSecond)} events/s`);
  if (unfiltered.units !== events) throw new Error(`read ${unfiltered.units} of ${events} events`);
  const plays = await timedRead(groups, () => readCount(store, { eventTypes: ['TrackPlayed'] }));
  log(`read: TrackPlayed only ${formatRate(plays.perSecond)} events/s`);
  const allFilters = await timedRead(groups, async () => {
    await Promise.all(projections.map((p) => readCount(store, { eventTypes: p.handles })));
    return events;
  });
  log(`read: all ${projections.length} projections' filters at once ${formatRate(allFilters.perSecond)} history events/s`);
  return { unfiltered, plays, allFilters };
}

/** `read` returns how many events it counts. */
async function timedRead(groups: ProcessGroups, read: () => Promise<number>): Promise<Read> {
  const started = performance.now();
  const { result: units, usage } = await withUsage(groups, read);
  const seconds = (performance.now() - started) / 1_000;
  return { units, seconds, perSecond: units / seconds, usage };
}

async function readCount(store: PostgresEventStore, filter: EventFilter | undefined): Promise<number> {
  let count = 0;
  for await (const _event of store.readAll(filter ? { filter } : undefined)) count += 1;
  return count;
}

export interface RebuildFigures {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  projections: { name: string; kind: Projection['kind']; expected: number; applied: number; batches: number; caughtUpSeconds: number }[];
  usage: Usage;
  phases: PhaseReport;
}

const REBUILD_TIMEOUT_MS = 60 * 60_000;
const PROGRESS_EVERY_MS = 10_000;

/** `expected`: events per type in the store, to check that each projection applied all it handles. */
export async function measureRebuild(node: ChorusNode, head: Position, expected: Record<string, number>, groups: ProcessGroups): Promise<RebuildFigures> {
  const { projections } = node;
  const events = Object.values(expected).reduce((a, b) => a + b, 0);
  node.phases.take();
  const started = performance.now();
  const progress = setInterval(() => void logProgress(node, started), PROGRESS_EVERY_MS);
  try {
    const { result: caughtUp, usage } = await withUsage(groups, async () => {
      await projections.start();
      await untilRunning(node);
      return Promise.all(
        projections.names.map(async (name) => {
          await projections.waitFor([name], head, REBUILD_TIMEOUT_MS);
          const seconds = (performance.now() - started) / 1_000;
          log(`rebuild: ${name} caught up after ${seconds.toFixed(1)} s`);
          return [name, seconds] as const;
        }),
      );
    });
    const seconds = Math.max(...caughtUp.map(([, s]) => s));
    const phases = node.phases.take();
    const status = await projections.status();
    const byName = new Map(caughtUp);
    return {
      events,
      seconds,
      eventsPerSecond: events / seconds,
      projections: status.map((p) => {
        const runner = p.generations.find((g) => g.runner)?.runner;
        const handles = node.phases.projections.find((x) => x.name === p.name)!.handles;
        return {
          name: p.name,
          kind: p.kind,
          expected: handles.reduce((sum, type) => sum + (expected[type] ?? 0), 0),
          applied: runner?.eventsApplied ?? 0,
          batches: runner?.batches ?? 0,
          caughtUpSeconds: byName.get(p.name) ?? Number.NaN,
        };
      }),
      usage,
      phases,
    };
  } finally {
    clearInterval(progress);
  }
}

/** Waits until every runner holds its lock and reads (waitFor then follows the runner itself). */
async function untilRunning(node: ChorusNode): Promise<void> {
  for (;;) {
    const runners = (await node.projections.status()).flatMap((p) => p.generations.map((g) => g.runner));
    const failed = runners.find((r) => r?.state === 'failed');
    if (failed) throw new Error(`projection ${failed.name} failed: ${failed.error}`);
    if (runners.length === node.projections.names.length && runners.every((r) => r?.state === 'running')) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function logProgress(node: ChorusNode, started: number): Promise<void> {
  const status = await node.projections.status().catch(() => []);
  const seconds = (performance.now() - started) / 1_000;
  const applied = status.map((p) => `${p.name} ${formatRate(p.generations[0]?.runner?.eventsApplied ?? 0)}`);
  log(`rebuild: ${seconds.toFixed(0)} s: ${applied.join(', ')}`);
}
