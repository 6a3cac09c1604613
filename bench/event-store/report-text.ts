/** The report as text: settings, the throughput and latency tables, targets, fairness notes. */
import { formatTargetValue } from '../lib/results.js';
import { formatMs, formatRate, formatRatio, formatTable } from '../lib/table.js';
import type { LatencyFigure, Report } from './report.js';

export function formatReport(report: Report): string {
  const { results, settings, machine } = report;
  const throughputRows = [
    ...results.singleAppends.map((s) => [
      `single appends, ${s.writers} writer${s.writers === 1 ? '' : 's'}`,
      formatRate(s.ours),
      formatRate(s.peer),
      formatRatio(s.oursVsPeer),
      formatRate(s.plain),
      formatRatio(s.oursVsPlain),
    ]),
    [`${settings.batchSize}-event batches, 1 writer`, formatRate(results.batchAppends.ours), formatRate(results.batchAppends.peer), formatRatio(results.batchAppends.oursVsPeer), '', ''],
    [`readAll catch-up, ${formatRate(settings.catchUpEvents)} events`, formatRate(results.catchUp.ours), formatRate(results.catchUp.peer), formatRatio(results.catchUp.oursVsPeer), '', ''],
  ];
  const latencyRows = results.subscriberLatency.flatMap(({ mode, ours, peer }) => [
    [`ours, ${mode}`, ...latencyCells(ours)],
    [`peer, ${mode}`, ...latencyCells(peer)],
  ]);
  const targetRows = report.targets.map((t) => [t.target, formatTargetValue(t.actual), `${t.comparison} ${formatTargetValue(t.required)}`, t.met ? 'yes' : 'NO']);
  return [
    `Event store benchmark, ${report.date} (${report.durationSeconds} s)`,
    `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end; Node ${machine.node}; ` +
      `PostgreSQL ${machine.postgres}, ${Object.entries(machine.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `Runs: ${settings.reps} per system and scenario, interleaved, median shown; ${settings.seconds} s each after ${settings.warmupSeconds} s warm-up; ` +
      `pool ${settings.poolSize} connections for every system; stores pre-loaded with ${formatRate(settings.preloadEvents)} events; payload ${settings.payloadBytes} bytes of JSON`,
    `Ours: commit ${report.code.commit}, sources hash ${report.code.sourceHash}` +
      (report.code.uncommitted.length > 0 ? ` (uncommitted: ${report.code.uncommitted.join(', ')})` : ''),
    `Peer: ${report.peer.package} (dumbo ${report.peer.dumbo})`,
    '',
    formatTable(['events/s (median)', 'ours', 'peer', 'ours/peer', 'plain INSERT', 'ours/plain'], throughputRows),
    '',
    `Append-to-subscriber latency at ${formatRate(settings.latencyRate)} events/s for ${settings.latencySeconds} s (ms, median of runs)`,
    formatTable(['', 'p50', 'p95', 'p99', 'max', 'append ack p50', 'ack p99', 'delivered'], latencyRows),
    `  peer subscriber: Emmett's message batch puller, batchSize ${report.peer.polling.batchSize}, pullingFrequencyInMs ${report.peer.polling.pullingFrequencyInMs}, idle backoff ${report.peer.polling.idleBackoffMs}`,
    '',
    formatTable(['target', 'actual', 'required', 'met'], targetRows),
    '',
    'Fairness:',
    ...report.fairness.map((note) => `  - ${note}`),
  ].join('\n');
}

function latencyCells(figure: LatencyFigure): string[] {
  return [
    formatMs(figure.p50),
    formatMs(figure.p95),
    formatMs(figure.p99),
    formatMs(figure.max),
    formatMs(figure.ackP50),
    formatMs(figure.ackP99),
    `${figure.received}/${figure.sent}${figure.duplicates > 0 ? ` (+${figure.duplicates} dup)` : ''}`,
  ];
}
