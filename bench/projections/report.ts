/** Turns the measured figures into the report: targets, a readable text and the JSON. */
import os from 'node:os';
import type { CodeVersion } from '../lib/code-version.js';
import type { MachineInfo } from '../lib/postgres-info.js';
import { formatTargetValue, target } from '../lib/results.js';
import type { LatencySummary } from '../lib/stats.js';
import { formatMs, formatRate, formatTable } from '../lib/table.js';
import type { Config } from './config.js';
import type { LagFigures } from './lag.js';
import { OTHER, type PhaseReport, type Totals } from './phases.js';
import type { LoadResult } from './protocol.js';
import type { ReadFigures, RebuildFigures } from './rebuild.js';
import type { Usage } from './usage.js';

export interface Figures {
  load: LoadResult & { vacuumSeconds: number };
  reads: ReadFigures;
  rebuild: RebuildFigures;
  lag: LagFigures;
}

export type Report = ReturnType<typeof buildReport>;

export function buildReport(config: Config, machine: MachineInfo, code: CodeVersion, figures: Figures, startedAt: Date) {
  const { load, reads, rebuild, lag } = figures;
  const targets = [
    target('rebuild of all projections, events/s', rebuild.eventsPerSecond, '>=', 40_000),
    target(`append-to-visible p99 ms at ${formatRate(config.lagRate)} events/s`, lag.late > 0 ? Number.POSITIVE_INFINITY : lag.all.p99, '<', 50),
  ];
  return {
    benchmark: 'projections',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    settings: config,
    machine,
    code,
    history: { ...load, loadEventsPerSecond: load.events / load.loadSeconds, eventsPerAppend: load.events / load.appends },
    results: {
      reads,
      rebuild: { ...rebuild, ofConcurrentReads: rebuild.eventsPerSecond / reads.allFilters.perSecond, ofUnfilteredRead: rebuild.eventsPerSecond / reads.unfiltered.perSecond },
      lag,
    },
    targets,
    allTargetsMet: targets.every((t) => t.met),
  };
}

export function formatReport(report: Report): string {
  const { history, machine, settings } = report;
  const { reads, rebuild, lag } = report.results;
  const share = (type: string) => `${type} ${((100 * (history.counts[type] ?? 0)) / history.events).toFixed(1)}%`;
  const mix = Object.keys(history.counts).sort((a, b) => history.counts[b]! - history.counts[a]!).slice(0, 6).map(share).join(', ');
  const latencyRow = (name: string, s: LatencySummary) => [name, formatMs(s.p50), formatMs(s.p95), formatMs(s.p99), formatMs(s.max), String(s.count)];
  return [
    `Projections benchmark, ${report.date} (${report.durationSeconds} s)`,
    `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end; ` +
      `Node ${machine.node}; PostgreSQL ${machine.postgres}, ${Object.entries(machine.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `Code: commit ${report.code.commit}, sources hash ${report.code.sourceHash}` + (report.code.uncommitted.length > 0 ? ` (uncommitted: ${report.code.uncommitted.join(', ')})` : ''),
    '',
    `History: ${formatRate(history.events)} events over ${settings.days} days (seed ${settings.seed}): ${mix}, ...`,
    `  ${formatRate(history.appends)} appends (${history.eventsPerAppend.toFixed(1)} events each on average) to ${formatRate(history.streams)} streams; ` +
      `generated in ${history.generateSeconds.toFixed(1)} s, loaded in ${history.loadSeconds.toFixed(1)} s = ${formatRate(history.loadEventsPerSecond)} events/s ` +
      `(${settings.loadWriters} writers), then VACUUM (ANALYZE) in ${history.vacuumSeconds.toFixed(1)} s`,
    '',
    formatTable(
      ['reading the history', 'events', 'seconds', 'events/s'],
      [
        ['readAll, unfiltered', formatRate(reads.unfiltered.units), reads.unfiltered.seconds.toFixed(1), formatRate(reads.unfiltered.perSecond)],
        ['readAll, TrackPlayed only', formatRate(reads.plays.units), reads.plays.seconds.toFixed(1), formatRate(reads.plays.perSecond)],
        [`every projection's filtered readAll at once (history events/s)`, formatRate(reads.allFilters.units), reads.allFilters.seconds.toFixed(1), formatRate(reads.allFilters.perSecond)],
      ],
    ),
    `  CPU, unfiltered: ${usageText(reads.unfiltered.usage)}`,
    `  CPU, TrackPlayed only: ${usageText(reads.plays.usage)}`,
    `  CPU, every filter at once: ${usageText(reads.allFilters.usage)}`,
    '',
    `Rebuild of all ${rebuild.projections.length} projections at once: ${formatRate(rebuild.events)} events in ${rebuild.seconds.toFixed(1)} s = ${formatRate(rebuild.eventsPerSecond)} events/s ` +
      `(${pct(rebuild.ofConcurrentReads)} of the concurrent filtered reads, ${pct(rebuild.ofUnfilteredRead)} of one unfiltered read)`,
    formatTable(
      ['projection', 'kind', 'applied', 'batches', 'caught up s', 'apply s', 'write s', 'of which queued s'],
      rebuild.projections.map((p) => [
        p.name,
        p.kind,
        `${formatRate(p.applied)}${p.applied === p.expected ? '' : ` (expected ${formatRate(p.expected)})`}`,
        formatRate(p.batches),
        p.caughtUpSeconds.toFixed(1),
        seconds(rebuild.phases.apply[p.name]),
        seconds(rebuild.phases.write[p.name]),
        p.kind === 'cache' ? seconds(rebuild.phases.cacheWait[p.name]) : '',
      ]),
    ),
    `  CPU meanwhile: ${usageText(rebuild.usage)}`,
    ...readLines(rebuild.phases),
    '',
    `Append-to-visible lag at ${formatRate(lag.rate)} events/s for ${lag.seconds} s, appends in the node's process (ms)`,
    formatTable(
      ['', 'p50', 'p95', 'p99', 'max', 'events'],
      [
        latencyRow('every event, until all its projections have it', lag.all),
        latencyRow('  TrackPlayed', lag.plays),
        ...Object.entries(lag.playsByProjection).map(([name, s]) => latencyRow(`    ${name}`, s)),
        latencyRow('  other events', lag.others),
        latencyRow('append acknowledged', lag.ack),
      ],
    ),
    `  ${lag.late} of ${lag.sent} not visible within ${settings.visibleTimeoutMs / 1_000} s; pacer up to ${formatMs(lag.maxPacerLagMs)} ms behind its schedule`,
    `  CPU meanwhile: ${usageText(lag.usage)}`,
    ...readLines(lag.phases),
    `  batches: ${Object.entries(lag.phases.apply).map(([name, t]) => `${name} ${formatRate(t.calls)} (${(t.events / t.calls).toFixed(1)} events each)`).join(', ')}`,
    '',
    formatTable(
      ['target', 'actual', 'required', 'met'],
      report.targets.map((t) => [t.target, formatTargetValue(t.actual), `${t.comparison} ${formatTargetValue(t.required)}`, t.met ? 'yes' : 'NO']),
    ),
  ].join('\n');
}

function usageText(usage: Usage): string {
  const { machine, ...groups } = usage.cores;
  const parts = Object.entries(groups).map(([name, cores]) => `${name} ${cores!.toFixed(2)}`);
  return `${parts.join(', ')}, whole machine ${machine!.toFixed(2)} cores busy; this event loop ${pct(usage.eventLoop)} busy`;
}

function readLines(phases: PhaseReport): string[] {
  const reads = Object.entries(phases.reads).map(
    ([filter, t]) => `${filter.length > 40 ? `${filter.slice(0, 37)}...` : filter}: ${formatRate(t.calls)} pages, ${(t.ms / t.calls).toFixed(1)} ms each`,
  );
  const other = phases.write[OTHER];
  const groups = Object.entries(phases.groups ?? {}).sort(([a], [b]) => Number.parseInt(a) - Number.parseInt(b));
  return [
    `  reads by filter: ${reads.join('; ')}`,
    ...(phases.pages ? [`  pages read from Postgres ${formatRate(phases.pages.queried)}, taken from another reader's read ${formatRate(phases.pages.shared)}; a reader waited for a slower one ${formatRate(phases.pages.waits)} times`] : []),
    ...(other ? [`  other transactions ${OTHER}: ${formatRate(other.calls)}, ${seconds(other)} s`] : []),
    ...(groups.length > 0
      ? [`  group commits (one transaction, several SQL projections): ${groups.map(([n, t]) => `${n}: ${formatRate(t.calls)}, ${(t.ms / t.calls).toFixed(1)} ms each`).join('; ')}`]
      : []),
  ];
}

function seconds(totals: Totals | undefined): string {
  return totals ? (totals.ms / 1_000).toFixed(1) : '';
}

function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : 'n/a';
}
