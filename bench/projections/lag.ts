/**
 * Append-to-visible lag: with every projection caught up and running, commands continuing the
 * history (its mix, one command per append, as the API appends them) go to the store at a steady
 * rate by the clock (open loop), in the node's own process, as a command handler would. For each
 * one: from the start of its append until every projection that handles its event type has
 * processed it — `Projections.waitFor([name], position)`, what a read-your-writes query waits for.
 */
import type { Projection } from '../../projections/projection.js';
import { ProjectionsBehindError } from '../../projections/manager.js';
import type { ProcessGroups } from '../lib/process-cpu.js';
import type { Child } from '../lib/rpc.js';
import { log } from '../lib/results.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { formatMs } from '../lib/table.js';
import { paced, wallClockMs } from '../lib/timing.js';
import type { Config } from './config.js';
import type { ChorusNode } from './node.js';
import type { PhaseReport } from './phases.js';
import type { Tasks } from './protocol.js';
import { withUsage, type Usage } from './usage.js';

interface Sample {
  type: string;
  ackMs: number;
  /** Per projection that handles the type; undefined: not visible within the timeout. */
  visibleMs: Record<string, number | undefined>;
}

export interface LagFigures {
  rate: number;
  seconds: number;
  sent: number;
  /** Appends not visible in every projection concerned within the timeout. */
  late: number;
  /** Until visible in every projection that handles the event. */
  all: LatencySummary;
  plays: LatencySummary;
  others: LatencySummary;
  /** TrackPlayed, per projection that handles it. */
  playsByProjection: Record<string, LatencySummary>;
  ack: LatencySummary;
  maxPacerLagMs: number;
  usage: Usage;
  phases: PhaseReport;
}

export async function measureLag(node: ChorusNode, history: Child<Tasks>, config: Config, groups: ProcessGroups): Promise<LagFigures> {
  const { lagRate: rate, lagSeconds: seconds, lagWarmupSeconds: warmup } = config;
  const intervalMs = 1_000 / rate;
  const live = await history.call('live', { count: Math.round(rate * (warmup + seconds)), startMs: Date.now(), intervalMs });
  const projections = node.phases.projections;
  const handlers = (types: readonly string[]) => projections.filter((p: Projection) => types.some((t) => p.handles.includes(t))).map((p) => p.name);
  let next = 0;
  const append = async (samples: Sample[] | undefined) => {
    const { stream, events } = live[next++]!;
    const type = events[0]!.type;
    const sentAt = wallClockMs();
    const { position } = await node.store.append(stream, events);
    const ackMs = wallClockMs() - sentAt;
    const visible = await Promise.all(
      handlers(events.map((e) => e.type)).map(async (name) => {
        try {
          await node.projections.waitFor([name], position, config.visibleTimeoutMs);
          return [name, wallClockMs() - sentAt] as const;
        } catch (error) {
          if (error instanceof ProjectionsBehindError) return [name, undefined] as const;
          throw error;
        }
      }),
    );
    samples?.push({ type, ackMs, visibleMs: Object.fromEntries(visible) });
  };

  log(`lag: warming up, ${warmup} s at ${rate} events/s`);
  await paced(rate, warmup, () => append(undefined));
  node.phases.take();
  const samples: Sample[] = [];
  const { result: run, usage } = await withUsage(groups, () => paced(rate, seconds, () => append(samples)));
  const phases = node.phases.take();

  /** Until every projection concerned has it (an event no projection handles is visible once stored). */
  const untilAll = (s: Sample) => Math.max(s.ackMs, ...Object.values(s.visibleMs).map((ms) => ms ?? Number.POSITIVE_INFINITY));
  const visible = samples.filter((s) => Number.isFinite(untilAll(s)));
  const plays = visible.filter((s) => s.type === 'TrackPlayed');
  const playHandlers = handlers(['TrackPlayed']);
  const figures: LagFigures = {
    rate,
    seconds,
    sent: samples.length,
    late: samples.length - visible.length,
    all: summarize(visible.map(untilAll)),
    plays: summarize(plays.map(untilAll)),
    others: summarize(visible.filter((s) => s.type !== 'TrackPlayed').map(untilAll)),
    playsByProjection: Object.fromEntries(playHandlers.map((name) => [name, summarize(plays.map((s) => s.visibleMs[name]!))])),
    ack: summarize(samples.map((s) => s.ackMs)),
    maxPacerLagMs: run.maxLagMs,
    usage,
    phases,
  };
  log(`lag: p50 ${formatMs(figures.all.p50)} ms, p99 ${formatMs(figures.all.p99)} ms, max ${formatMs(figures.all.max)} ms; ${figures.late} late of ${figures.sent}`);
  return figures;
}
