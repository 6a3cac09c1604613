/** The Kafka benchmark's report: one JSON document and its text form. */
import os from 'node:os';
import type { CodeVersion } from '../lib/code-version.js';
import type { MachineInfo } from '../lib/postgres-info.js';
import { formatTargetValue, target, type Target } from '../lib/results.js';
import { formatMs, formatRate, formatTable } from '../lib/table.js';
import type { Config } from './config.js';
import type { CatchUp, Latency, Preload } from './scenarios.js';

export interface Figures {
  preload: Preload;
  catchUp: CatchUp;
  /** Records on the topics after the catch-up, minus the events stored: 0 when nothing was published twice. */
  extraRecords: number;
  latency: Latency;
  relayExitCode: number | null;
}

export interface Report {
  benchmark: 'kafka';
  date: string;
  durationSeconds: number;
  loadAverageAtEnd: number[];
  settings: Config & { relay: string; broker: string };
  machine: MachineInfo;
  code: CodeVersion;
  results: Figures;
  targets: Target[];
  allTargetsMet: boolean;
  limits: string[];
}

export function buildReport(config: Config, machine: MachineInfo, code: CodeVersion, figures: Figures, startedAt: Date, kafkaVersion: string): Report {
  const targets = [
    target('relay catch-up events/s (1,000,000 stored)', figures.catchUp.perSecond, '>=', 20_000),
    target(`append-to-consumer p99 ms at ${formatRate(config.latencyRate)} events/s`, figures.latency.p99, '<', 100),
  ];
  const { cores } = figures.catchUp;
  const busiest = Object.entries(cores).filter(([name]) => name !== 'machine').sort((a, b) => b[1] - a[1]);
  return {
    benchmark: 'kafka',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100),
    settings: {
      ...config,
      relay: 'chorus relay (child process): idempotent producer, acks=all, maxInFlightRequests 1, batches of up to 2,000 events / 768 KiB, one sendBatch at a time, checkpoint per batch',
      broker: `Kafka ${kafkaVersion} single node (KRaft) from tools/kafka on this machine, -Xmx512m, SerialGC; topics ${config.partitions} partitions, replication factor 1`,
    },
    machine,
    code,
    results: figures,
    targets,
    allTargetsMet: targets.every((t) => t.met),
    limits: [
      `During the catch-up the machine was ${Math.round((cores.machine ?? 0) * 100)}% busy of ${machine.cpuCount * 100}% (${busiest.map(([name, c]) => `${name} ${c.toFixed(2)}`).join(', ')} cores): ` +
        'relay, broker and Postgres share the same cores, so the figure is bound by CPU, the relay process (one Node thread: reading pages, JSON, kafkajs encoding and CRC) first.',
      'One batch on the wire at a time (kafkajs idempotent producer, maxInFlightRequests 1), so that a stream is never reordered: each batch waits for the previous acknowledgement.',
      'Latency: store commit and NOTIFY, the relay\'s wake-up and read, one produce round trip with acks=all, then the consumer\'s fetch; no batching delay is added at 1,000 events/s.',
    ],
  };
}

export function formatReport(report: Report): string {
  const { results, settings, machine } = report;
  const c = results.catchUp;
  const l = results.latency;
  const rows = [
    [`preload: batch appends (${formatRate(settings.preloadBatch)} events, ${settings.preloadWriters} writers)`, formatRate(results.preload.perSecond), `${results.preload.seconds.toFixed(1)} s`],
    [`relay catch-up: ${formatRate(c.events)} events, "publishing" to checkpoint at head`, formatRate(c.perSecond), `${c.seconds.toFixed(1)} s`],
    ['relay catch-up including process start', formatRate(c.perSecondWithStart), `${c.secondsWithStart.toFixed(1)} s`],
  ];
  return [
    `Kafka relay benchmark, ${report.date} (${report.durationSeconds} s)`,
    `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end; Node ${machine.node}; ` +
      `PostgreSQL ${machine.postgres}, ${Object.entries(machine.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `Broker: ${settings.broker}`,
    `Relay: ${settings.relay}`,
    `Code: commit ${report.code.commit}, sources hash ${report.code.sourceHash}` + (report.code.uncommitted.length > 0 ? ` (uncommitted: ${report.code.uncommitted.join(', ')})` : ''),
    '',
    formatTable(['phase', 'events/s', 'time'], rows),
    `  catch-up events/s per 5 s: ${c.intervals.map(formatRate).join(', ')}`,
    `  cores busy during the catch-up (postgres: this database's backends; machine: every process): ${Object.entries(c.cores).map(([name, cores]) => `${name} ${cores.toFixed(2)}`).join(', ')}`,
    `  records on the topics beyond the events stored: ${results.extraRecords}; relay exit code on SIGTERM: ${results.relayExitCode}`,
    '',
    `Append-to-consumer latency at ${formatRate(l.rate)} events/s for ${l.seconds} s (ms; append start to consumer eachMessage, consumer in this process)`,
    formatTable(['', 'p50', 'p95', 'p99', 'max', 'append ack p50', 'ack p99', 'delivered'], [
      ['store -> relay -> Kafka -> consumer', formatMs(l.p50), formatMs(l.p95), formatMs(l.p99), formatMs(l.max), formatMs(l.appendP50), formatMs(l.appendP99), `${l.received}/${l.sent}${l.duplicates > 0 ? ` (+${l.duplicates} dup)` : ''}`],
    ]),
    `  of which: append start to the relay's send (record timestamp) p50 ${formatMs(l.toRelaySendP50)}, p99 ${formatMs(l.toRelaySendP99)}; ` +
      `send to consumer p50 ${formatMs(l.sendToConsumerP50)}, p99 ${formatMs(l.sendToConsumerP99)}`,
    `  pacer fell behind its schedule by at most ${formatMs(l.pacerMaxLagMs)} ms`,
    '',
    formatTable(['target', 'actual', 'required', 'met'], report.targets.map((t) => [t.target, formatTargetValue(t.actual), `${t.comparison} ${formatTargetValue(t.required)}`, t.met ? 'yes' : 'NO'])),
    '',
    'What limits it:',
    ...report.limits.map((line) => `  - ${line}`),
  ].join('\n');
}
