/** Turns the measured runs into the report: medians, ratios, targets and the settings behind them. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { CodeVersion } from '../lib/code-version.js';
import type { MachineInfo } from '../lib/postgres-info.js';
import { target, type Target } from '../lib/results.js';
import { median, type LatencySummary } from '../lib/stats.js';
import type { Config } from './config.js';
import type { System } from './protocol.js';
import type { Runs, StoreSystem } from './harness.js';
import { SUBSCRIBER_DRAIN_MS, type LatencyRun } from './scenarios.js';
import { PEER_POLLING } from './targets/emmett.js';
import { trackPlayed } from './workload.js';

export interface Figures {
  singles: { writers: number; runs: Runs<System> }[];
  batches: Runs<StoreSystem>;
  catchUp: Runs<StoreSystem>;
  latency: { mode: 'same process' | 'other process'; runs: Record<StoreSystem, LatencyRun[]> }[];
}

export interface LatencyFigure extends LatencySummary {
  ackP50: number;
  ackP99: number;
  sent: number;
  received: number;
  duplicates: number;
}

export type Report = ReturnType<typeof buildReport>;

export function buildReport(config: Config, machine: MachineInfo, code: CodeVersion, figures: Figures, startedAt: Date) {
  const singles = figures.singles.map(({ writers, runs }) => {
    const ours = median(runs.ours);
    const peer = median(runs.peer);
    const plain = median(runs.plain);
    return { writers, ours, peer, plain, oursVsPeer: ours / peer, oursVsPeerPaired: pairedRatio(runs), oursVsPlain: ours / plain, runs };
  });
  const batch = throughputFigure(figures.batches);
  const catchUp = throughputFigure(figures.catchUp);
  const latency = figures.latency.map(({ mode, runs }) => ({
    mode,
    ours: latencyFigure(runs.ours),
    peer: latencyFigure(runs.peer),
    runs,
  }));
  const single = (writers: number) => singles.find((figure) => figure.writers === writers);
  const targets: Target[] = [
    target('single appends, 32 writers: ours/peer', single(32)?.oursVsPeer, '>=', 2),
    target('single appends, 32 writers: ours/plain INSERT', single(32)?.oursVsPlain, '>=', 0.5),
    target('single appends, 1 writer: ours/peer', single(1)?.oursVsPeer, '>=', 1.5),
    target(`${config.batchSize}-event batches: ours/peer`, batch.oursVsPeer, '>=', 1.2),
    target('readAll catch-up: ours events/s', catchUp.ours, '>=', 100_000),
    ...latency.map(({ mode, ours }) => target(`append-to-subscriber p99 ms (${mode}): ours`, ours.p99, '<', 20)),
  ];
  return {
    benchmark: 'event-store',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100),
    settings: { BENCH_SECONDS: config.seconds, ...config, payloadBytes: JSON.stringify(trackPlayed(1)).length },
    machine,
    code,
    peer: {
      package: `@event-driven-io/emmett-postgresql@${packageVersion('@event-driven-io/emmett-postgresql')}`,
      dumbo: packageVersion('@event-driven-io/dumbo'),
      polling: { ...PEER_POLLING, idleBackoffMs: '100 doubling to 1000 while no batch is full (hard-coded)' },
    },
    fairness: fairnessNotes(config),
    results: { singleAppends: singles, batchAppends: { batchSize: config.batchSize, writers: 1, ...batch }, catchUp: { events: config.catchUpEvents, ...catchUp }, subscriberLatency: latency },
    targets,
    allTargetsMet: targets.every((t) => t.met),
  };
}

function throughputFigure(runs: Runs<StoreSystem>) {
  const ours = median(runs.ours);
  const peer = median(runs.peer);
  return { ours, peer, oursVsPeer: ours / peer, oursVsPeerPaired: pairedRatio(runs), runs };
}

/** Median of ours/peer per repetition: runs next to each other in time share the machine's noise. */
function pairedRatio(runs: Runs<StoreSystem>): number {
  return median(runs.ours.map((ours, i) => ours / (runs.peer[i] ?? Number.NaN)));
}

function latencyFigure(runs: readonly LatencyRun[]): LatencyFigure {
  const of = (pick: (run: LatencyRun) => number) => median(runs.map(pick));
  return {
    count: runs.reduce((sum, run) => sum + run.latency.count, 0),
    p50: of((run) => run.latency.p50),
    p95: of((run) => run.latency.p95),
    p99: of((run) => run.latency.p99),
    max: of((run) => run.latency.max),
    ackP50: of((run) => run.ack.p50),
    ackP99: of((run) => run.ack.p99),
    sent: runs.reduce((sum, run) => sum + run.sent, 0),
    received: runs.reduce((sum, run) => sum + run.received, 0),
    duplicates: runs.reduce((sum, run) => sum + run.duplicates, 0),
  };
}

function fairnessNotes(config: Config): string[] {
  return [
    `Each system runs in its own Node process and its own fresh database on the same server; databases are dropped at the end.`,
    `Both stores and the plain INSERTs use a pg.Pool of max ${config.poolSize}, opened before and closed after each run. ` +
      `Emmett's getPostgreSQLEventStore(url) alone would use dumbo's shared pg.Pool with pg's default max of 10; we pass connectionOptions.pool.`,
    `Before the append and latency runs every store (and the plain table) holds ${config.preloadEvents} events, loaded through ` +
      `the system itself in 1,000-event batches, then VACUUM (ANALYZE): no system is measured on empty tables and plans made for them.`,
    `Single appends: every append creates a new stream, expected revision unchecked ('any' / Emmett's default).`,
    `Ours does one round trip per append (select es_append(...) in autocommit), plus the NOTIFYs its wake-up policy sends ` +
      `(gateways/event-store/postgres/wakeups.ts); Emmett does BEGIN, select emt_append_to_stream(...), COMMIT (three round trips).`,
    `Ours takes the event id from the caller (UUIDv7, idempotent retries, unique index); Emmett generates a UUIDv4 message id and has no unique index on it.`,
    `Catch-up: Emmett's EventStore has no readAll; we page with its public readMessagesBatch (global order, pg_snapshot_xmin-limited), ` +
      `${config.catchUpEvents} events pre-loaded in 1,000-event batches by one writer, read with 1,000 events per page (ours: readAll, pageSize 1,000).`,
    `Subscriber: ours is subscribeToAll (local wake-up in the writer process, LISTEN/NOTIFY across processes). ` +
      `Emmett polls; we use its postgreSQLEventStoreMessageBatchPuller with default settings and no checkpoint writes ` +
      `(its reactors also store a checkpoint per message, which would only add to its latency), started at max(global_position): ` +
      `Emmett's own readLastMessageGlobalPosition (also behind startFrom 'END') returns the first position, not the last.`,
    `Latency is receivedAt - appendStartedAt, both wall-clock (performance.timeOrigin + now()), the start carried in the event data. ` +
      `Events not delivered within ${SUBSCRIBER_DRAIN_MS / 1_000} s after a run ends are missing from the percentiles (see "delivered"): a store that falls behind looks better than it is.`,
  ];
}

function packageVersion(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
