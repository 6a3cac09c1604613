/** The player benchmark's report: one JSON document, its targets, what limits the figures, and its text form. */
import os from 'node:os';
import type { CodeVersion } from '../lib/code-version.js';
import type { MachineInfo } from '../lib/postgres-info.js';
import type { LatencySummary } from '../lib/stats.js';
import { formatMs, formatRate, formatTable } from '../lib/table.js';
import type { Config } from './config.js';
import type { ConnectResult, Latencies, Memory, RunResult } from './protocol.js';

export interface NodeMemory {
  node: string;
  /** Devices connected to this node. */
  devices: number;
  before: Memory;
  after: Memory;
  /** (after - before) / devices, bytes. */
  perDevice: Memory;
}

export interface PhaseResult {
  label: string;
  nodes: string[];
  connect: ConnectResult;
  memory: NodeMemory[];
  warmUp: RunResult;
  run: RunResult;
  latencies: Latencies;
  /** Cores each process (group) kept busy during the measured run. */
  cores: Record<string, number>;
}

export interface Figures {
  /** Making the users through the HTTP API (dev token, devices, play, repeat), seconds. */
  setupSeconds: number;
  oneNode: PhaseResult;
  twoNodes: PhaseResult;
  /** The same with a quarter of the users (below saturation), for context. */
  oneNodeLight: PhaseResult | undefined;
  twoNodesLight: PhaseResult | undefined;
}

const allPhases = (f: Figures) => [f.oneNodeLight, f.oneNode, f.twoNodesLight, f.twoNodes].filter((p): p is PhaseResult => p !== undefined);

export interface PlayerTarget {
  target: string;
  actual: number;
  comparison: '<' | '>=';
  required: number;
  unit: string;
  met: boolean;
}

export interface Report {
  benchmark: 'player';
  date: string;
  durationSeconds: number;
  loadAverageAtEnd: number[];
  settings: Config & { sockets: number; fullSize: boolean };
  machine: MachineInfo;
  code: CodeVersion;
  server: string;
  results: Figures;
  targets: PlayerTarget[];
  allTargetsMet: boolean;
  /** Whether the load process was saturated by its own work in a full-size run (its figures then include its own queueing). */
  loadSaturated: boolean;
  /** Whether its timers were late past the bound in a full-size run (its own work, or a machine busy with other work). */
  loadStarved: boolean;
  limits: string[];
}

/** The load process counts as saturated past these: its event loop busy 90% of the time (its own work), or its timers 20 ms late at the 99th percentile (its own work or a busy machine). */
const SATURATED_LOOP = 0.9;
const SATURATED_DELAY_MS = 20;

const saturated = (run: RunResult) => run.loadEventLoop >= SATURATED_LOOP || run.loopDelay.p99 >= SATURATED_DELAY_MS;

function check(target: string, actual: number, comparison: '<' | '>=', required: number, unit: string): PlayerTarget {
  const met = comparison === '<' ? actual < required : actual >= required;
  return { target, actual, comparison, required, unit, met };
}

export function buildReport(config: Config, machine: MachineInfo, code: CodeVersion, figures: Figures, startedAt: Date): Report {
  const { oneNode, twoNodes } = figures;
  const load = `${formatRate(config.users)} users x ${config.devices} devices, a command per user every ${config.intervalSeconds} s`;
  const delivered = (p: PhaseResult) => (p.latencies.applied === 0 ? 0 : (p.latencies.complete / p.latencies.applied) * 100);
  const targets = [
    check(`command to every device of the user, p99, one node, ${load}`, oneNode.latencies.allDevices.p99, '<', 50, 'ms'),
    check(`command to every device of the user, p99, two nodes (devices split, through Redis), ${load}`, twoNodes.latencies.allDevices.p99, '<', 50, 'ms'),
    check('applied commands whose state reached every device, one node', delivered(oneNode), '>=', 100, '%'),
    check('applied commands whose state reached every device, two nodes', delivered(twoNodes), '>=', 100, '%'),
  ];
  return {
    benchmark: 'player',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    settings: { ...config, sockets: config.users * config.devices, fullSize: config.users >= 2_000 && config.devices >= 3 },
    machine,
    code,
    server:
      'Chorus (loadConfig + startChorus, as npm start) on PostgreSQL (events, read models) and Redis (cache, fan-out), LOG_LEVEL=warn; ' +
      "a command is decided on the node's copy of the user's state and appended at its version (no read first; the appends of commands arriving together in one transaction), then the new state goes to the devices on the node and on Redis to the other nodes, which read the store for a stored change only when Redis has not brought it",
    results: figures,
    targets,
    allTargetsMet: targets.every((t) => t.met),
    loadSaturated: oneNode.run.loadEventLoop >= SATURATED_LOOP || twoNodes.run.loadEventLoop >= SATURATED_LOOP,
    loadStarved: saturated(oneNode.run) || saturated(twoNodes.run),
    limits: limits(config, machine, figures),
  };
}

const coresOf = (p: PhaseResult) =>
  Object.entries(p.cores)
    .filter(([, c]) => c >= 0.005)
    .map(([name, c]) => `${name} ${c.toFixed(2)}`)
    .join(', ');

function limits(config: Config, machine: MachineInfo, f: Figures): string[] {
  const out: string[] = [];
  const rate = (p: PhaseResult) => p.connect.devices / config.devices / config.intervalSeconds;
  for (const p of allPhases(f)) {
    const serverCores = p.nodes.reduce((sum, n) => sum + (p.cores[n] ?? 0), 0) + (p.cores['pg backends'] ?? 0) + (p.cores.redis ?? 0);
    out.push(
      `${p.label}: ${formatRate(p.run.commands / p.run.seconds)} commands/s made (${formatRate(rate(p))} intended; ${p.run.skipped} passed over while the user's previous one was unanswered). ` +
        `Each command is decided on the node's copy of the state and appended (commands arriving together share a Postgres commit), then one state frame goes to each of the user's ${config.devices} devices` +
        (p.nodes.length > 1 ? ' (on the other node through a Redis publish)' : '') +
        `. Server side (Chorus, its Postgres backends, Redis) used ${serverCores.toFixed(2)} cores, ${((serverCores / (p.run.commands / p.run.seconds)) * 1_000).toFixed(2)} ms of CPU per command; ` +
        `cores busy: [${coresOf(p)}] of ${machine.cpuCount} (rest: other work on the machine). ` +
        `The command's own result came back in p50 ${formatMs(p.latencies.result.p50)} / p99 ${formatMs(p.latencies.result.p99)} ms.`,
    );
  }
  for (const p of allPhases(f)) {
    const r = p.run;
    out.push(
      `Load process, ${p.label} (${formatRate(p.connect.devices)} sockets in one Node process): event loop ${Math.round(r.loadEventLoop * 100)}% busy, ` +
        `event-loop delay p50 ${formatMs(r.loopDelay.p50)} / p99 ${formatMs(r.loopDelay.p99)} / max ${formatMs(r.loopDelay.max)} ms, pacer's worst lag ${formatMs(r.pacerMaxLagMs)} ms, ${r.loadCores.toFixed(2)} cores: ` +
        (r.loadEventLoop >= SATURATED_LOOP
          ? `SATURATED (its event loop past ${Math.round(SATURATED_LOOP * 100)}% busy): its latencies include its own queueing and are an upper bound on the server's.`
          : saturated(r)
            ? `its loop was delayed past ${SATURATED_DELAY_MS} ms at p99 while mostly idle: it waited for a CPU (the machine was busy), and so did the servers; the latencies include that wait.`
            : `not saturated; its delay is in every latency (a frame waits for the loop before it is timed).`),
    );
  }
  for (const p of [f.twoNodesLight, f.twoNodes]) {
    if (!p) continue;
    const two = p.latencies;
    out.push(
      `${p.label}, each arrival on its own: devices on the sender's node p50 ${formatMs(two.sameNode.p50)} / p99 ${formatMs(two.sameNode.p99)} ms, ` +
        `on the other node (the Redis path) p50 ${formatMs(two.crossNode.p50)} / p99 ${formatMs(two.crossNode.p99)} ms.`,
    );
  }
  const mem = (p: PhaseResult) => p.memory.map((m) => `${m.node} ${formatRate(m.perDevice.rss)} B RSS / ${formatRate(m.perDevice.heapUsed)} B JS heap (${formatRate(m.devices)} devices)`).join('; ');
  out.push(
    `Memory per connected device, after forced full collections (including the user's player state kept on the node and its room): one node: ${mem(f.oneNode)}; two nodes: ${mem(f.twoNodes)}. ` +
      `RSS also moves with how much free heap the process had committed before, and the kernel's socket buffers are in neither figure.`,
  );
  return out;
}

const summaryCells = (s: LatencySummary) => [formatMs(s.p50), formatMs(s.p99), formatMs(s.max)];

export function formatReport(report: Report): string {
  const { oneNode, twoNodes } = report.results;
  const phases = allPhases(report.results);
  const latency = formatTable(
    ['phase', 'sockets', 'commands/s', 'applied', 'to all devices', 'all p50', 'all p99', 'all max', 'cross-node p99', 'result p99'],
    phases.map((p) => [
      p.label,
      formatRate(p.connect.devices),
      formatRate(p.run.commands / p.run.seconds),
      formatRate(p.latencies.applied),
      formatRate(p.latencies.complete),
      ...summaryCells(p.latencies.allDevices),
      p.nodes.length > 1 ? formatMs(p.latencies.crossNode.p99) : '-',
      formatMs(p.latencies.result.p99),
    ]),
  );
  const memory = formatTable(
    ['phase', 'node', 'devices', 'RSS B/device', 'heap B/device', 'external B/device', 'connect s'],
    [oneNode, twoNodes].flatMap((p) =>
      p.memory.map((m) => [p.label, m.node, formatRate(m.devices), formatRate(m.perDevice.rss), formatRate(m.perDevice.heapUsed), formatRate(m.perDevice.external), p.connect.seconds.toFixed(1)]),
    ),
  );
  const loadTable = formatTable(
    ['phase', 'load loop busy', 'loop delay p99 ms', 'loop delay max ms', 'pacer lag ms', 'load cores', 'saturated'],
    phases.map((p) => [
      p.label,
      `${Math.round(p.run.loadEventLoop * 100)}%`,
      formatMs(p.run.loopDelay.p99),
      formatMs(p.run.loopDelay.max),
      formatMs(p.run.pacerMaxLagMs),
      p.run.loadCores.toFixed(2),
      p.run.loadEventLoop >= SATURATED_LOOP ? 'YES' : saturated(p.run) ? 'starved of CPU' : 'no',
    ]),
  );
  const targets = report.targets.map((t) => `  [${t.met ? 'met' : 'MISSED'}] ${t.target}: ${formatMs(t.actual)} ${t.unit} (${t.comparison} ${t.required} ${t.unit})`);
  const s = report.settings;
  return [
    `player: ${formatRate(s.users)} users x ${s.devices} devices = ${formatRate(s.sockets)} sockets${s.fullSize ? '' : ' (scaled down from 2,000 x 3)'}, ` +
      `a command per user every ${s.intervalSeconds} s, ${s.seconds} s measured after ${s.warmupSeconds} s; load average at start ${report.machine.loadAverage.join(' ')}, at end ${report.loadAverageAtEnd.join(' ')}`,
    '',
    'command sent -> new state on every device of the user (ms):',
    latency,
    '',
    'memory per connected device:',
    memory,
    '',
    'load process:',
    loadTable,
    '',
    'targets:',
    ...targets,
    '',
    'limits:',
    ...report.limits.map((l) => `  - ${l}`),
    ...(oneNode.latencies.errorSamples.length + twoNodes.latencies.errorSamples.length > 0
      ? ['', 'refused commands:', ...[...oneNode.latencies.errorSamples, ...twoNodes.latencies.errorSamples].map((e) => `  ${e}`)]
      : []),
  ].join('\n');
}
