/** The sync benchmark's report: one JSON document, its targets, what limits the figures, and its text form. */
import os from 'node:os';
import type { CodeVersion } from '../lib/code-version.js';
import type { MachineInfo } from '../lib/postgres-info.js';
import { median, type LatencySummary } from '../lib/stats.js';
import { formatMs, formatRate, formatRatio, formatTable } from '../lib/table.js';
import type { Config } from './config.js';
import type { EditingResult, IdleResult, LargeLoad } from './scenarios.js';
import type { SyncTimings } from './protocol.js';

export interface Figures {
  idle: { ours: IdleResult; stock: IdleResult };
  latency: { ours: EditingResult; stock: EditingResult };
  /** The same at a quarter of the playlists (below saturation), for context. */
  light: { ours: EditingResult; stock: EditingResult } | undefined;
  /** Embedded Chorus (PGlite, no Redis, as npm start): the full load and the light one. */
  embedded: { full: EditingResult; light?: EditingResult } | undefined;
  crossNode: EditingResult;
  /** The same at the light run's playlists, for context. */
  crossLight: EditingResult | undefined;
  large: LargeLoad;
  largeOnStock: { fill: { seconds: number; edits: number }; warm: SyncTimings[]; warmSyncedP50: number };
}

export interface SyncTarget {
  target: string;
  actual: number;
  comparison: '<=' | '<' | '>=';
  required: number;
  unit: string;
  met: boolean;
}

export interface Report {
  benchmark: 'sync';
  date: string;
  durationSeconds: number;
  loadAverageAtEnd: number[];
  settings: Config & { openFilesLimit: number | undefined };
  machine: MachineInfo;
  code: CodeVersion;
  servers: { ours: string; stock: string };
  results: Figures;
  ratios: { p50: number; p99: number; rssPerConnection: number; heapPerConnection: number };
  targets: SyncTarget[];
  allTargetsMet: boolean;
  limits: string[];
}

const MiB = 2 ** 20;

function check(target: string, actual: number, comparison: '<=' | '<' | '>=', required: number, unit: string): SyncTarget {
  const met = comparison === '<=' ? actual <= required : comparison === '<' ? actual < required : actual >= required;
  return { target, actual, comparison, required, unit, met };
}

/** Ours / stock of what the idle connections added; NaN (not measured) unless both grew. */
function growthRatio(ours: number, stock: number): number {
  return ours > 0 && stock > 0 ? ours / stock : Number.NaN;
}

/** The largest of the figures measured (NaN when none was). */
function largest(figures: readonly number[]): number {
  const measured = figures.filter(Number.isFinite);
  return measured.length > 0 ? Math.max(...measured) : Number.NaN;
}

export function buildReport(config: Config, openFilesLimit: number | undefined, machine: MachineInfo, code: CodeVersion, figures: Figures, startedAt: Date): Report {
  const { idle, latency, crossNode, large } = figures;
  const ours = latency.ours.latencies.all;
  const stock = latency.stock.latencies.all;
  const ratios = {
    p50: ours.p50 / stock.p50,
    p99: ours.p99 / stock.p99,
    rssPerConnection: growthRatio(idle.ours.perConnection.rss, idle.stock.perConnection.rss),
    heapPerConnection: growthRatio(idle.ours.perConnection.heapUsed, idle.stock.perConnection.heapUsed),
  };
  const load = (playlists: number) => `${playlists} playlists x ${config.clients} clients x ${config.editRate} edits/s`;
  const { light, embedded } = figures;
  // The 50-playlist targets are on the light runs (a quarter of the playlists); without them, on the full ones.
  const at50 = light ?? latency;
  const embedded50 = embedded?.light ?? embedded?.full;
  const delivered = (r: EditingResult) => r.latencies.delivered / r.latencies.expected;
  const perEdit = (r: EditingResult, groups: string[]) => (groups.reduce((sum, g) => sum + (r.cores[g] ?? 0), 0) / (r.run.edits / r.run.seconds)) * 1_000;
  const cross = figures.crossLight ?? crossNode;
  const targets = [
    check(`edit-to-other-clients p99, Postgres, ours / stock, ${load(at50.ours.playlists)}`, at50.ours.latencies.all.p99 / at50.stock.latencies.all.p99, '<=', 2, 'x'),
    ...(embedded50
      ? [check(`edit-to-other-clients p99, embedded (PGlite), ours / stock, ${load(embedded50.playlists)}`, embedded50.latencies.all.p99 / at50.stock.latencies.all.p99, '<=', 2, 'x')]
      : []),
    check(`delivered, Postgres, ${load(at50.ours.playlists)}`, delivered(at50.ours) * 100, '>=', 100, '%'),
    ...(embedded50 ? [check(`delivered, embedded, ${load(embedded50.playlists)}`, delivered(embedded50) * 100, '>=', 100, '%')] : []),
    check(`applied-to-stored p99, Postgres, ${load(at50.ours.playlists)}`, at50.ours.storeLag?.p99 ?? Number.NaN, '<=', 250, 'ms'),
    ...(embedded50 ? [check(`applied-to-stored p99, embedded, ${load(embedded50.playlists)}`, embedded50.storeLag?.p99 ?? Number.NaN, '<=', 250, 'ms')] : []),
    check(`edit-to-other-clients p99, Postgres, ours / stock, ${load(config.playlists)}`, ours.p99 / stock.p99, '<=', 1.5, 'x'),
    check(
      `server CPU per edit (Chorus + its Postgres backends + Redis) / stock's, ${load(at50.ours.playlists)}`,
      perEdit(at50.ours, ['chorus', 'pg backends', 'redis']) / perEdit(at50.stock, ['stock']),
      '<=',
      3,
      'x',
    ),
    check(
      `memory per idle connection at ${formatRate(config.idleConnections)}, ours / stock (the larger of the RSS and JS-heap ratios measured)`,
      largest([ratios.rssPerConnection, ratios.heapPerConnection]),
      '<=',
      1.5,
      'x',
    ),
    check(`cross-node p99 (two Chorus nodes, ${load(cross.playlists)})`, cross.latencies.crossNode.p99, '<', 50, 'ms'),
    check(`${formatRate(config.entries)}-entry playlist loaded from the store by the sync server (Room#load, p50 of ${config.loadReps})`, large.summary.serverLoadP50, '<', 200, 'ms'),
    check(`${formatRate(config.entries)}-entry playlist from the store, fresh client connect to synced (p50 of ${config.loadReps})`, large.summary.coldSyncedP50, '<', 200, 'ms'),
  ];
  return {
    benchmark: 'sync',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    settings: { ...config, openFilesLimit },
    machine,
    code,
    servers: {
      ours: 'Chorus (loadConfig + startChorus, as npm start) on PostgreSQL (events, read models) and Redis (cache, fan-out), LOG_LEVEL=warn; every edit relayed at once and stored as PlaylistEdited right behind (group commit across playlists); embedded: the same on PGlite with the in-process cache, as npm start with no configuration',
      stock: 'y-websocket 1.5.4 bin/server.js (bin/utils.js setupWSConnection), documents in memory only, no auth',
    },
    results: figures,
    ratios,
    targets,
    allTargetsMet: targets.every((t) => t.met),
    limits: limits(config, machine, figures),
  };
}

function limits(config: Config, machine: MachineInfo, f: Figures): string[] {
  const out: string[] = [];
  const cores = (r: EditingResult) =>
    Object.entries(r.cores)
      .filter(([, c]) => c >= 0.005)
      .map(([name, c]) => `${name} ${c.toFixed(2)}`)
      .join(', ');
  const store = f.latency.ours.stores?.[0];
  out.push(
    `Latency, ours: an edit is applied and relayed at once (to the clients on the node, and on Redis to other nodes), then stored right behind: ` +
      `the node's store queue takes the edits of every playlist into one appendMany (one transaction), one at a time. ` +
      (store ? `Stores during the run: ${formatRate(store.count)}, mean ${store.meanMs.toFixed(1)} ms each, ${store.editsPerStore.toFixed(2)} edits per store. ` : '') +
      `Meanwhile a one-row INSERT on the same database committed in p50 ${formatMs(f.latency.ours.pgCommit.p50)} / p99 ${formatMs(f.latency.ours.pgCommit.p99)} ms ` +
      `(during the stock run, with Chorus idle: ${formatMs(f.latency.stock.pgCommit.p50)} / ${formatMs(f.latency.stock.pgCommit.p99)} ms). ` +
      `The stock server relays as soon as it has applied the update, and stores nothing. ` +
      `Cores busy during the run: ours [${cores(f.latency.ours)}]; stock [${cores(f.latency.stock)}], of ${machine.cpuCount}.`,
  );
  if (f.embedded) {
    const e = f.embedded.light ?? f.embedded.full;
    out.push(
      `Embedded (PGlite in the Chorus process, in-process cache, no Redis), ${e.playlists} playlists: p50 ${formatMs(e.latencies.all.p50)} / p99 ${formatMs(e.latencies.all.p99)} ms, ` +
        `delivered ${e.latencies.delivered}/${e.latencies.expected}, applied-to-stored p99 ${formatMs(e.storeLag?.p99 ?? Number.NaN)} ms; ` +
        `${f.embedded.full.playlists} playlists: p99 ${formatMs(f.embedded.full.latencies.all.p99)} ms, stored p99 ${formatMs(f.embedded.full.storeLag?.p99 ?? Number.NaN)} ms. ` +
        `Cores: [${cores(e)}].`,
    );
  }
  // CPU time per edit of the server side: the server process and (ours) its database's backends.
  const perEdit = (r: EditingResult, groups: string[]) => (groups.reduce((sum, g) => sum + (r.cores[g] ?? 0), 0) / (r.run.edits / r.run.seconds)) * 1_000;
  const basis = f.light ?? f.latency;
  const oursPerEdit = perEdit(basis.ours, ['chorus', 'pg backends', 'redis']);
  const stockPerEdit = perEdit(basis.stock, ['stock']);
  const intended = config.playlists * config.clients * config.editRate;
  out.push(
    `CPU per edit on the server side (${basis.ours.playlists}-playlist runs): ours ${oursPerEdit.toFixed(2)} ms (Chorus: apply, relay, Redis publish, store, ` +
      `and the projections of the stored edit in the same process; its Postgres backends; Redis), stock ${stockPerEdit.toFixed(2)} ms. ` +
      `At ${formatRate(intended)} edits/s ours would need about ${((oursPerEdit * intended) / 1_000).toFixed(1)} cores, the stock server ${((stockPerEdit * intended) / 1_000).toFixed(1)}, ` +
      `beside the load process; this machine has ${machine.cpuCount}, shared with other work: at the full load ours queues (store batches grow, latency grows for the whole run).`,
  );
  if (f.light) {
    const ls = f.light.ours.stores?.[0];
    out.push(
      `At ${f.light.ours.playlists} playlists (${formatRate(f.light.ours.run.edits / f.light.ours.run.seconds)} edits/s): ours p50 ${formatMs(f.light.ours.latencies.all.p50)} / p99 ${formatMs(f.light.ours.latencies.all.p99)} ms, ` +
        `stock ${formatMs(f.light.stock.latencies.all.p50)} / ${formatMs(f.light.stock.latencies.all.p99)} ms` +
        (ls ? `; ours stored ${formatRate(ls.count)} batches, mean ${ls.meanMs.toFixed(1)} ms` : '') +
        `. Cores: ours [${cores(f.light.ours)}]; stock [${cores(f.light.stock)}].`,
    );
  }
  const loadLoop = Math.max(f.latency.ours.run.loadEventLoop, f.latency.stock.run.loadEventLoop);
  if (loadLoop >= 0.9) {
    out.push(
      `The load process was saturated in the full-size runs (event loop ${Math.round(f.latency.ours.run.loadEventLoop * 100)}% busy in ours, ` +
        `${Math.round(f.latency.stock.run.loadEventLoop * 100)}% in the stock run): both latencies there include the load generator's own queueing, ` +
        `so the full-size p99 comparison (the target) is weak evidence either way` +
        (f.light
          ? `; the light runs, where the load process had room, compare the servers: ours p99 ${formatRatio(f.light.ours.latencies.all.p99 / f.light.stock.latencies.all.p99)} the stock's, p50 ${formatRatio(f.light.ours.latencies.all.p50 / f.light.stock.latencies.all.p50)}.`
          : '.'),
    );
  }
  out.push(
    `The latency includes the load process (${formatRate(config.playlists * config.clients)} clients in one Node process: ` +
      `event loop ${Math.round(f.latency.ours.run.loadEventLoop * 100)}% busy in our run, ${Math.round(f.latency.stock.run.loadEventLoop * 100)}% in the stock run): ` +
      `a delay in receiving the frame and applying it to the receiver's document counts, the same for both servers.`,
  );
  const mo = f.idle.ours.perConnection;
  const ms = f.idle.stock.perConnection;
  out.push(
    `Memory per idle connection: ours ${formatRate(mo.rss)} B RSS (${formatRate(mo.heapUsed)} B JS heap, ${formatRate(mo.external)} B external), ` +
      `stock ${formatRate(ms.rss)} B RSS (${formatRate(ms.heapUsed)} B heap, ${formatRate(ms.external)} B external). Both include the rooms the connections opened ` +
      `(${Math.min(config.playlists, config.idleConnections)} documents) and the kernel-independent part of the sockets (ws objects, buffers); ` +
      `the stock server runs ws 6 (its own dependency), ours ws 8 with ping/pong and per-connection send-buffer checks. ` +
      `RSS depends on how much free heap each process had committed before (Chorus starts with a larger heap, so new objects may fit in pages it already holds), ` +
      `hence the target takes the larger of the RSS and JS-heap ratios; the kernel's socket buffers are in neither. ` +
      `A ratio is left out (n/a) when either server's figure did not grow: at a few hundred connections RSS moves by more than they hold ` +
      `(pages returned to the system, or taken, meanwhile), and a ratio of two such figures says nothing.`,
  );
  const visibleRuns = [f.latency.ours, ...(f.light ? [f.light.ours] : []), ...(f.embedded ? [f.embedded.full, ...(f.embedded.light ? [f.embedded.light] : [])] : [])];
  out.push(
    `Projections in the same process as the sync server and the HTTP API (as npm start runs them): from an edit applied (and relayed) until the playlist-items read model shows it ` +
      `(Projections#waitFor on its stored position): ` +
      visibleRuns
        .filter((r) => r.visibleLag)
        .map((r) => `${r.label} p50 ${formatMs(r.visibleLag!.p50)} / p99 ${formatMs(r.visibleLag!.p99)} ms (stored p99 ${formatMs(r.storeLag?.p99 ?? Number.NaN)} ms${r.visibleLag!.notVisible > 0 ? `, ${r.visibleLag!.notVisible} not within 10 s` : ''})`)
        .join('; ') +
      '.',
  );
  const cross = f.crossNode;
  const backstop = (r: EditingResult) =>
    r.storeBackstop ? ` The store subscription read back ${formatRate(r.storeBackstop.readBacks)} updates of the other node; ${formatRate(r.storeBackstop.fills)} of them brought something Redis had not (chorus_sync_store_fills_total).` : '';
  out.push(
    `Cross-node: the writer's node relays the edit to its own clients and publishes it on Redis at once (then stores it); the other node applies it and relays it ` +
      `(it also arrives from the store subscription, which fills what Redis dropped). Same-node arrivals in that run: p99 ${formatMs(cross.latencies.sameNode.p99)} ms; ` +
      `cross-node p99 ${formatMs(cross.latencies.crossNode.p99)} ms. Cores: [${cores(cross)}].${backstop(cross)}` +
      (f.crossLight
        ? ` At ${f.crossLight.playlists} playlists: same-node p99 ${formatMs(f.crossLight.latencies.sameNode.p99)} ms, cross-node p50 ${formatMs(f.crossLight.latencies.crossNode.p50)} / p99 ${formatMs(f.crossLight.latencies.crossNode.p99)} ms; cores [${cores(f.crossLight)}].${backstop(f.crossLight)}`
        : ''),
  );
  const l = f.large;
  const stepTwo = median(l.cold.map((t) => t.stepTwoMs));
  out.push(
    `${formatRate(l.entries)}-entry load: the server reads the playlist's stream backwards to its last compaction and applies it ` +
      `(stream: ${l.stream.map((s) => `${s.events} ${s.type} (${(s.bytes / MiB).toFixed(1)} MiB JSON)`).join(', ')}); ` +
      `its Room#load p50 ${formatMs(l.summary.serverLoadP50)} ms of a ${formatMs(l.summary.coldSyncedP50)} ms connect-to-synced; the sync step 2 ` +
      `(${formatRate(l.cold[0]?.stepTwoBytes ?? 0)} B) arrives at ${formatMs(stepTwo)} ms, the rest is the client applying it. ` +
      `From memory (room loaded) a fresh client is synced in ${formatMs(l.summary.warmSyncedP50)} ms; from the stock server's memory in ${formatMs(f.largeOnStock.warmSyncedP50)} ms.`,
  );
  return out;
}

const lat = (s: LatencySummary) => [formatMs(s.p50), formatMs(s.p95), formatMs(s.p99), formatMs(s.max)];

export function formatReport(report: Report): string {
  const { results: f, machine, settings } = report;
  const editRow = (name: string, r: EditingResult, s: LatencySummary) => [
    name,
    formatRate(r.run.edits / r.run.seconds),
    ...lat(s),
    `${formatRate(r.latencies.delivered)}/${formatRate(r.latencies.expected)}`,
    formatRate(r.latencies.meanUpdateBytes),
    formatMs(r.run.pacerMaxLagMs),
    `${Math.round(r.run.loadEventLoop * 100)}%`,
    formatMs(r.pgCommit.p50),
    formatMs(r.pgCommit.p99),
    r.storeLag ? `${formatMs(r.storeLag.p50)} / ${formatMs(r.storeLag.p99)}` : '-',
    r.visibleLag ? `${formatMs(r.visibleLag.p50)} / ${formatMs(r.visibleLag.p99)}${r.visibleLag.notVisible > 0 ? ` (${r.visibleLag.notVisible} late)` : ''}` : '-',
  ];
  const idleRow = (r: IdleResult) => [
    r.server,
    `${formatRate(r.opened.connections)}${r.opened.failed > 0 ? ` (${r.opened.failed} failed)` : ''}`,
    r.opened.seconds.toFixed(1),
    (r.baseline.rss / MiB).toFixed(1),
    (r.loaded.rss / MiB).toFixed(1),
    (r.perConnection.rss / 1024).toFixed(2),
    (r.perConnection.heapUsed / 1024).toFixed(2),
    (r.perConnection.external / 1024).toFixed(2),
  ];
  const coresTable = (rows: Array<[string, EditingResult]>) => {
    const last = ['machine', 'rest'];
    const names = [...new Set(rows.flatMap(([, r]) => Object.keys(r.cores)))].filter((n) => !last.includes(n)).concat(last);
    return formatTable(['cores busy', ...names], rows.map(([label, r]) => [label, ...names.map((n) => (r.cores[n] ?? Number.NaN).toFixed(2))]));
  };
  const l = f.large;
  const syncRow = (name: string, t: SyncTimings[], server?: number[]) => {
    const synced = t.map((x) => x.syncedMs);
    return [
      name,
      String(t.length),
      formatMs(median(t.map((x) => x.openMs))),
      formatMs(median(t.map((x) => x.stepTwoMs))),
      formatMs(median(synced)),
      formatMs(Math.max(...synced)),
      server ? formatMs(median(server)) : '-',
      server ? formatMs(Math.max(...server)) : '-',
    ];
  };
  return [
    `Sync benchmark, ${report.date} (${report.durationSeconds} s)`,
    `Machine: ${machine.cpuCount} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')} at start, ${report.loadAverageAtEnd.join(' ')} at end; ` +
      `Node ${machine.node}; PostgreSQL ${machine.postgres}, synchronous_commit=${machine.settings.synchronous_commit}; open files limit ${settings.openFilesLimit ?? 'unknown'}`,
    `Code: commit ${report.code.commit}, sources hash ${report.code.sourceHash}` + (report.code.uncommitted.length > 0 ? ` (uncommitted: ${report.code.uncommitted.join(', ')})` : ''),
    `Ours: ${report.servers.ours}`,
    `Stock: ${report.servers.stock}`,
    '',
    `Edit-to-other-clients latency (ms), ${settings.playlists} playlists x ${settings.clients} clients x ${settings.editRate} edits/s ` +
      `(${formatRate(settings.playlists * settings.clients * settings.editRate)} edits/s intended), ${settings.seconds} s after ${settings.warmupSeconds} s warm-up`,
    formatTable(
      ['server', 'edits/s', 'p50', 'p95', 'p99', 'max', 'delivered', 'update B', 'pacer lag', 'load loop', 'pg commit p50', 'p99', 'stored p50 / p99', 'read model p50 / p99'],
      [
        editRow('ours (Chorus, stored)', f.latency.ours, f.latency.ours.latencies.all),
        editRow('stock y-websocket', f.latency.stock, f.latency.stock.latencies.all),
        ...(f.light
          ? [
              editRow(`ours, ${f.light.ours.playlists} playlists (light)`, f.light.ours, f.light.ours.latencies.all),
              editRow(`stock, ${f.light.stock.playlists} playlists (light)`, f.light.stock, f.light.stock.latencies.all),
            ]
          : []),
        ...(f.embedded
          ? [
              editRow(`ours embedded (PGlite), ${f.embedded.full.playlists} playlists`, f.embedded.full, f.embedded.full.latencies.all),
              ...(f.embedded.light ? [editRow(`ours embedded, ${f.embedded.light.playlists} playlists (light)`, f.embedded.light, f.embedded.light.latencies.all)] : []),
            ]
          : []),
        editRow(`two Chorus nodes, same node (${f.crossNode.playlists} playlists)`, f.crossNode, f.crossNode.latencies.sameNode),
        editRow(`two Chorus nodes, cross node`, f.crossNode, f.crossNode.latencies.crossNode),
        ...(f.crossLight
          ? [
              editRow(`two nodes, same node (${f.crossLight.playlists} playlists, light)`, f.crossLight, f.crossLight.latencies.sameNode),
              editRow(`two nodes, cross node (light)`, f.crossLight, f.crossLight.latencies.crossNode),
            ]
          : []),
      ],
    ),
    `  ours / stock: p50 ${formatRatio(report.ratios.p50)}, p99 ${formatRatio(report.ratios.p99)}` +
      (f.latency.ours.stores?.[0] ? `; ours stored ${formatRate(f.latency.ours.stores[0].count)} batches, mean ${f.latency.ours.stores[0].meanMs.toFixed(1)} ms, ${f.latency.ours.stores[0].editsPerStore.toFixed(2)} edits each` : ''),
    coresTable([
      ['ours', f.latency.ours],
      ['stock', f.latency.stock],
      ...(f.light ? ([['ours, light', f.light.ours], ['stock, light', f.light.stock]] as Array<[string, EditingResult]>) : []),
      ...(f.embedded ? ([['embedded', f.embedded.full], ...(f.embedded.light ? [['embedded, light', f.embedded.light]] : [])] as Array<[string, EditingResult]>) : []),
      ['two nodes', f.crossNode],
      ...(f.crossLight ? ([['two nodes, light', f.crossLight]] as Array<[string, EditingResult]>) : []),
    ]),
    '',
    `Memory per idle connection, ${formatRate(settings.idleConnections)} connections over ${Math.min(settings.playlists, settings.idleConnections)} playlists (after forced GC)`,
    formatTable(['server', 'connections', 'open s', 'base RSS MiB', 'RSS MiB', 'RSS KiB/conn', 'heap KiB/conn', 'external KiB/conn'], [idleRow(f.idle.ours), idleRow(f.idle.stock)]),
    `  ours / stock: RSS ${formatRatio(report.ratios.rssPerConnection)}, heap ${formatRatio(report.ratios.heapPerConnection)}`,
    '',
    `${formatRate(l.entries)}-entry playlist (filled through the sync server by two members taking turns, ${settings.fillBatch} entries per edit, ${l.fill.edits} edits in ${l.fill.seconds.toFixed(1)} s; stream: ` +
      `${l.stream.map((s) => `${s.events} ${s.type}`).join(', ')}), fresh client, ms from creating the socket`,
    formatTable(
      ['first sync', 'reps', 'open', 'step 2 in', 'synced p50', 'synced max', 'server load p50', 'load max'],
      [
        syncRow('ours, from the store (room unloaded)', l.cold, l.serverLoadMs),
        syncRow('ours, room in memory', l.warm),
        syncRow('stock, from memory', f.largeOnStock.warm),
      ],
    ),
    '',
    formatTable(
      ['target', 'actual', 'required', 'met'],
      report.targets.map((t) => [t.target, `${t.actual.toFixed(2)} ${t.unit}`, `${t.comparison} ${t.required.toFixed(2)} ${t.unit}`, t.met ? 'yes' : 'NO']),
    ),
    '',
    'What limits it:',
    ...report.limits.map((line) => `  - ${line}`),
  ].join('\n');
}
