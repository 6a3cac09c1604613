/**
 * The four measurements, each a function of the running processes: memory per idle connection,
 * edit-to-other-clients latency (one server), the same across two Chorus nodes, and a large
 * playlist's first sync from the store.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { playlistStream } from '../../domain/playlist/events.js';
import type { Child } from '../lib/rpc.js';
import { coresUsed, sampleCpu, type ProcessGroups } from '../lib/process-cpu.js';
import { log } from '../lib/results.js';
import { median, summarize, type LatencySummary } from '../lib/stats.js';
import { formatRate } from '../lib/table.js';
import { sleep } from '../lib/timing.js';
import type { Config } from './config.js';
import type { ConnectResult, Latencies, LoadTasks, Memory, PlaylistSpec, RunResult, SyncState, SyncTimings } from './protocol.js';
import type { Fixture } from './setup.js';

/** A server under test as the scenarios see it. */
export interface Server {
  name: string;
  pid: number;
  /** ws://HOST:PORT/v1/sync/playlists (the stock server takes any path as the room name). */
  syncUrl: string;
  memory(): Promise<Memory>;
  /** Chorus only: its sync metrics. */
  syncState?: () => Promise<SyncState>;
  /** Chorus only: V8's CPU profiler (BENCH_SYNC_PROFILE_DIR); the returned function stops it and writes the profile. */
  profile?: () => Promise<(file: string) => Promise<void>>;
  /** Chorus only: applied-to-stored times (ms) of the edits stored since the last call. */
  takeStoreLags?: () => Promise<number[]>;
  /** Chorus only: applied-to-visible times (ms) in the playlist-items read model of the edits stored since the last call. */
  takeVisibleLags?: () => Promise<number[]>;
}

export interface Context {
  config: Config;
  fixture: Fixture;
  load: Child<LoadTasks>;
  loadPid: number;
  /** The benchmark database's name, a connection to the server (for its backends' pids) and one to the database; opened once, as connection slots may run out on a shared server. */
  database: { name: string; admin: pg.Client; client: pg.Client };
  /** CPU groups of the server processes (added as they start). */
  serverPids: Record<string, number>;
}

export interface IdleResult {
  server: string;
  opened: ConnectResult;
  baseline: Memory;
  loaded: Memory;
  /** (loaded - baseline) / connections, bytes. */
  perConnection: Memory;
}

/** Opens `config.idleConnections` idle connections spread over the playlists; memory before and after. */
export async function idleMemory(ctx: Context, server: Server): Promise<IdleResult> {
  const { config, fixture, load } = ctx;
  const owner = fixture.members(0)[0]!;
  // Warm the server's code paths (upgrade, auth, a room) so that the baseline is not a cold process.
  await load.call('openIdle', { url: server.syncUrl, connections: Array.from({ length: 20 }, () => ({ room: fixture.warmUp, token: owner.token })), concurrency: 20 });
  await load.call('closeIdle', {});
  await sleep(1_000);
  const baseline = await server.memory();
  const connections = Array.from({ length: config.idleConnections }, (_, k) => {
    const p = k % fixture.playlists.length;
    const members = fixture.members(p);
    return { room: fixture.playlists[p]!, token: members[Math.floor(k / fixture.playlists.length) % members.length]!.token };
  });
  log(`${server.name}: opening ${formatRate(connections.length)} idle connections`);
  const opened = await load.call('openIdle', { url: server.syncUrl, connections, concurrency: 64 });
  if (opened.failed > 0) log(`${server.name}: ${opened.failed} idle connections failed: ${opened.failures.join('; ')}`);
  await sleep(2_000);
  const loaded = await server.memory();
  await load.call('closeIdle', {});
  const n = Math.max(1, opened.connections);
  const per = (key: keyof Memory) => (loaded[key] - baseline[key]) / n;
  log(`${server.name}: ${formatRate(per('rss'))} B RSS, ${formatRate(per('heapUsed'))} B heap per idle connection`);
  return {
    server: server.name,
    opened,
    baseline,
    loaded,
    perConnection: { rss: per('rss'), heapUsed: per('heapUsed'), heapTotal: per('heapTotal'), external: per('external'), arrayBuffers: per('arrayBuffers') },
  };
}

export interface EditingResult {
  label: string;
  playlists: number;
  clientsPerPlaylist: number;
  connect: ConnectResult;
  warmUp: RunResult;
  run: RunResult;
  latencies: Latencies;
  /** A one-row INSERT committed on the benchmark's database, one after another during the measured run (ms): what a durable write costs meanwhile. */
  pgCommit: LatencySummary;
  /** Cores each process kept busy during the measured run. */
  cores: Record<string, number>;
  /** Chorus only: stores of edit batches during the measured run: how many, mean ms, edits per store. */
  stores?: { count: number; meanMs: number; editsPerStore: number }[];
  /** Chorus only: from applied (and relayed) to stored, ms, for the edits of the measured run (all nodes). */
  storeLag?: LatencySummary;
  /** Chorus only: from applied to visible in the playlist-items read model (projections in the same process), ms; `notVisible`: not within 10 s. */
  visibleLag?: LatencySummary & { notVisible: number };
  /** Chorus only, several nodes: updates of other nodes read back from the store during the run, and those that filled a gap (Redis had not brought them). */
  storeBackstop?: { readBacks: number; fills: number };
}

/**
 * Every client of `playlists` playlists edits at `config.editRate`/s; `nodeOf(j)` picks the server
 * of client j of each playlist. Warm-up, then the measured run, then the stragglers (up to 5 s).
 */
export async function editing(
  ctx: Context,
  label: string,
  playlists: number,
  servers: Server[],
  nodeOf: (client: number) => Server,
  fixture: Fixture = ctx.fixture,
): Promise<EditingResult> {
  const { config, load } = ctx;
  const specs: PlaylistSpec[] = fixture.playlists.slice(0, playlists).map((room, p) => ({
    room,
    clients: fixture.members(p).map((member, j) => ({ url: nodeOf(j).syncUrl, token: member.token, userId: member.userId, node: nodeOf(j).name })),
  }));
  log(`${label}: connecting ${formatRate(playlists * config.clients)} clients`);
  const connect = await load.call('openEditors', { playlists: specs, concurrency: 32 });
  if (connect.failed > 0) throw new Error(`${label}: ${connect.failed} clients could not connect: ${connect.failures.join('; ')}`);
  try {
    log(`${label}: warm-up ${config.warmupSeconds} s, then ${config.seconds} s at ${formatRate(config.editRate * playlists * config.clients)} edits/s`);
    const warmUp = await load.call('runEdits', { rate: config.editRate, seconds: config.warmupSeconds, measured: false });
    const groups = await cpuGroups(ctx);
    const statesBefore = await Promise.all(servers.map((s) => s.syncState?.()));
    const before = sampleCpu(groups);
    const profileDir = process.env.BENCH_SYNC_PROFILE_DIR;
    const profiles = profileDir ? await Promise.all(servers.map((s) => s.profile?.())) : [];
    const probe = commitProbe(ctx.database.client);
    await Promise.all(servers.map((s) => s.takeStoreLags?.()));
    await Promise.all(servers.map((s) => s.takeVisibleLags?.()));
    const run = await load.call('runEdits', { rate: config.editRate, seconds: config.seconds, measured: true });
    await Promise.all(profiles.map((stop, i) => stop?.(join(profileDir!, `${servers[i]!.name}-${label.replace(/\W+/g, '-')}.cpuprofile`))));
    const pgCommit = await probe.stop();
    const cores = pgBackendCores(coresUsed(before, sampleCpu(groups)));
    // Everything else the machine did meanwhile: other databases' backends, other processes.
    cores.rest = cores.machine! - Object.entries(cores).reduce((sum, [name, c]) => (name === 'machine' ? sum : sum + c), 0);
    const statesAfter = await Promise.all(servers.map((s) => s.syncState?.()));
    const latencies = await load.call('latencies', { timeoutMs: 5_000 });
    // Every measured edit has reached the other clients (or the wait is over): wait as long again for the store.
    await sleep(Math.min(5_000, 2 * latencies.all.max || 0));
    const lags = (await Promise.all(servers.map((s) => s.takeStoreLags?.()))).filter((l) => l !== undefined);
    const visibleLags = (await Promise.all(servers.map((s) => s.takeVisibleLags?.()))).filter((l) => l !== undefined).flat();
    const statesEnd = await Promise.all(servers.map((s) => s.syncState?.()));
    log(`${label}: p50 ${latencies.all.p50.toFixed(1)} ms, p99 ${latencies.all.p99.toFixed(1)} ms, delivered ${latencies.delivered}/${latencies.expected}`);
    const stores = servers.flatMap((_, i) => {
      const [a, b] = [statesBefore[i], statesAfter[i]];
      if (!a || !b) return [];
      const count = b.stores - a.stores;
      return [{ count, meanMs: ((b.storeSeconds - a.storeSeconds) / count) * 1_000, editsPerStore: (b.editsStored - a.editsStored) / count }];
    });
    const storeLag = lags.length > 0 ? summarize(lags.flat()) : undefined;
    if (storeLag) log(`${label}: stored ${storeLag.count} edits, applied-to-stored p50 ${storeLag.p50.toFixed(1)} ms, p99 ${storeLag.p99.toFixed(1)} ms`);
    const visible = visibleLags.filter((ms) => Number.isFinite(ms));
    const visibleLag = visibleLags.length > 0 ? { ...summarize(visible), notVisible: visibleLags.length - visible.length } : undefined;
    if (visibleLag) log(`${label}: applied-to-visible in playlist-items p50 ${visibleLag.p50.toFixed(1)} ms, p99 ${visibleLag.p99.toFixed(1)} ms, ${visibleLag.notVisible} not within 10 s`);
    const backstop = servers.length > 1 ? backstopOf(statesBefore, statesEnd) : undefined;
    return {
      label,
      playlists,
      clientsPerPlaylist: config.clients,
      connect,
      warmUp,
      run,
      latencies,
      pgCommit,
      cores,
      ...(stores.length > 0 ? { stores } : {}),
      ...(storeLag ? { storeLag } : {}),
      ...(visibleLag ? { visibleLag } : {}),
      ...(backstop ? { storeBackstop: backstop } : {}),
    };
  } finally {
    await load.call('closeEditors', {});
  }
}

/** What the nodes read back from the store between two samples of their states, and how much of it filled a gap. */
function backstopOf(before: Array<SyncState | undefined>, after: Array<SyncState | undefined>): { readBacks: number; fills: number } | undefined {
  let readBacks = 0;
  let fills = 0;
  for (const [i, a] of before.entries()) {
    const b = after[i];
    if (!a || !b) return undefined;
    readBacks += b.storeReadBacks - a.storeReadBacks;
    fills += b.storeFills - a.storeFills;
  }
  return { readBacks, fills };
}

export interface LargeLoad {
  entries: number;
  fill: { seconds: number; edits: number };
  /** The playlist's stream after the fill: events by type and their JSON bytes. */
  stream: Array<{ type: string; events: number; bytes: number }>;
  /** Fresh client, room not in memory (loaded from the store on connect): each repetition. */
  cold: SyncTimings[];
  /** The sync server's own Room#load time for each cold repetition (ms). */
  serverLoadMs: number[];
  /** Fresh client, room already in memory (another client connected). */
  warm: SyncTimings[];
  summary: { coldSyncedP50: number; coldSyncedMax: number; serverLoadP50: number; serverLoadMax: number; warmSyncedP50: number };
}

/** Fills the large playlist through `writer`, then times fresh clients' first sync on `reader`, a node that did not have it in memory. */
export async function largePlaylist(ctx: Context, writer: Server, reader: Server & { takeLoadTimes(): Promise<number[]> }): Promise<LargeLoad> {
  const { config, fixture, load } = ctx;
  const token = fixture.members(0)[0]!.token;
  log(`large playlist: filling ${formatRate(config.entries)} entries, ${config.fillBatch} per edit, through ${writer.name}`);
  const fill = await load.call('fill', { url: writer.syncUrl, room: fixture.large, tokens: fillers(fixture), entries: config.entries, batch: config.fillBatch, window: FILL_WINDOW });
  const stream = await streamStats(ctx.database.client, playlistStream(fixture.large));
  await reader.takeLoadTimes();
  const cold: SyncTimings[] = [];
  const serverLoadMs: number[] = [];
  for (let rep = 0; rep < config.loadReps; rep += 1) {
    await unloaded(reader);
    cold.push(await load.call('syncOnce', { url: reader.syncUrl, room: fixture.large, token, keep: false }));
    serverLoadMs.push(...(await reader.takeLoadTimes()));
  }
  const warm: SyncTimings[] = [];
  await load.call('syncOnce', { url: reader.syncUrl, room: fixture.large, token, keep: true });
  for (let rep = 0; rep < config.loadReps; rep += 1) warm.push(await load.call('syncOnce', { url: reader.syncUrl, room: fixture.large, token, keep: false }));
  await load.call('closeKept', {});
  const coldSynced = cold.map((t) => t.syncedMs);
  log(`large playlist: cold connect-to-synced p50 ${median(coldSynced).toFixed(1)} ms, server load p50 ${median(serverLoadMs).toFixed(1)} ms`);
  for (const t of [...cold, ...warm]) {
    if (t.entries !== config.entries) throw new Error(`large playlist: a client synced ${t.entries} entries, not ${config.entries}`);
  }
  return {
    entries: config.entries,
    fill,
    stream,
    cold,
    serverLoadMs,
    warm,
    summary: {
      coldSyncedP50: median(coldSynced),
      coldSyncedMax: Math.max(...coldSynced),
      serverLoadP50: median(serverLoadMs),
      serverLoadMax: Math.max(...serverLoadMs),
      warmSyncedP50: median(warm.map((t) => t.syncedMs)),
    },
  };
}

/** The same large document on the stock server (in its memory: it has no store), synced by fresh clients. */
export async function largeOnStock(ctx: Context, stock: Server): Promise<{ fill: { seconds: number; edits: number }; warm: SyncTimings[]; warmSyncedP50: number }> {
  const { config, fixture, load } = ctx;
  const token = fixture.members(0)[0]!.token;
  log(`large playlist on ${stock.name}: filling ${formatRate(config.entries)} entries`);
  const fill = await load.call('fill', { url: stock.syncUrl, room: fixture.large, tokens: fillers(fixture), entries: config.entries, batch: config.fillBatch, window: FILL_WINDOW });
  const warm: SyncTimings[] = [];
  for (let rep = 0; rep < config.loadReps; rep += 1) warm.push(await load.call('syncOnce', { url: stock.syncUrl, room: fixture.large, token, keep: false }));
  return { fill, warm, warmSyncedP50: median(warm.map((t) => t.syncedMs)) };
}

/** Edits of the fill not yet seen by another client, at most. */
const FILL_WINDOW = 8;

/** The owner and an editor of the large playlist. */
const fillers = (fixture: Fixture) => fixture.members(0).slice(0, 2).map((m) => m.token);

async function unloaded(server: Server): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await server.syncState!()).rooms > 0) {
    if (Date.now() > deadline) throw new Error(`${server.name} kept its documents loaded for 15 s`);
    await sleep(50);
  }
}

async function streamStats(client: pg.Client, stream: string): Promise<LargeLoad['stream']> {
  const rows = await client.query<{ type: string; events: string; bytes: string }>(
    'select event_type as type, count(*) as events, sum(length(data::text)) as bytes from es_events where stream_name = $1 group by 1 order by 1',
    [stream],
  );
  return rows.rows.map((r) => ({ type: r.type, events: Number(r.events), bytes: Number(r.bytes) }));
}

/** One-row INSERTs in autocommit, one every 10 ms (a tight loop would load the server it measures), until stopped; their latencies. */
function commitProbe(client: pg.Client): { stop(): Promise<LatencySummary> } {
  const samples: number[] = [];
  let running = true;
  const done = (async () => {
    await client.query('create table if not exists bench_commit_probe (id bigserial primary key, at double precision not null)');
    while (running) {
      const started = performance.now();
      await client.query('insert into bench_commit_probe (at) values ($1)', [started]);
      samples.push(performance.now() - started);
      await sleep(PROBE_INTERVAL_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return summarize(samples);
    },
  };
}

const PG_BACKEND = 'pg backend ';
const PROBE_INTERVAL_MS = 10;

/** Sums the per-backend groups into "pg backends", leaving out backends that exited during the run. */
function pgBackendCores(cores: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { 'pg backends': 0 };
  for (const [name, used] of Object.entries(cores)) {
    if (!name.startsWith(PG_BACKEND)) out[name] = used;
    else if (used >= 0) out['pg backends']! += used;
  }
  return out;
}

/** The processes whose CPU is reported: servers, load, this process, this database's Postgres backends, Postgres's own processes, Redis. */
async function cpuGroups(ctx: Context): Promise<ProcessGroups> {
  const rows = await ctx.database.admin.query<{ pid: number; datname: string | null; backend_type: string }>('select pid, datname, backend_type from pg_stat_activity');
  // The commit probe's own backend (it commits into the bench database too) is not the server's work: reported apart.
  const probePid = (await ctx.database.client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const backends = new Set(rows.rows.filter((r) => r.datname === ctx.database.name && r.pid !== probePid).map((r) => r.pid));
  // The server's own processes (WAL writer, checkpointer, ...): they work for every database.
  const shared = new Set(rows.rows.filter((r) => r.backend_type !== 'client backend').map((r) => r.pid));
  const groups: ProcessGroups = {};
  for (const [name, pid] of Object.entries(ctx.serverPids)) groups[name] = (p) => p.pid === pid;
  groups.load = (p) => p.pid === ctx.loadPid;
  groups.orchestrator = (p) => p.pid === process.pid;
  // One group per backend, summed in pgBackendCores: a backend that exits during the run would otherwise take its CPU so far out of the sum.
  for (const pid of backends) groups[`${PG_BACKEND}${pid}`] = (p) => p.pid === pid;
  groups['pg shared'] = (p) => shared.has(p.pid) && !backends.has(p.pid);
  groups['pg probe'] = (p) => p.pid === probePid;
  groups.redis = (p) => p.command.startsWith('redis-server');
  return groups;
}
