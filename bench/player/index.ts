/**
 * The player benchmark: users with several devices each on the player socket
 * (`/v1/sync/player`), every user sending a command every few seconds from a random one of their
 * devices; the time from a command sent to the new state on every device of its user, and the
 * memory per connected device, on one Chorus node and on two (one database, one Redis; each user's
 * devices split between the nodes, so a command reaches the other node's devices through Redis).
 * Chorus nodes and the load run in processes of their own. See bench/README.md.
 */
import { projectionsEnv } from '../lib/env.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_URL, createTestDatabase } from '../../tests/support/postgres.js';
import { TEST_REDIS_URL, deleteByPrefix } from '../../tests/support/redis.js';
import { coresUsed, sampleCpu, type ProcessGroups } from '../lib/process-cpu.js';
import { log, writeResults } from '../lib/results.js';
import { spawnChild, type Child } from '../lib/rpc.js';
import { beginRun } from '../lib/run-context.js';
import { formatRate } from '../lib/table.js';
import { sleep } from '../lib/timing.js';
import { readConfig, type Config } from './config.js';
import type { ChorusTasks, LoadTasks, Memory, UserSpec } from './protocol.js';
import { buildReport, formatReport, type NodeMemory, type PhaseResult } from './report.js';
import { prepareUsers, type BenchUser } from './setup.js';

const NODE = new URL('./chorus-node.ts', import.meta.url);
const LOAD = new URL('./load.ts', import.meta.url);
/** The code under test: the player socket and what a command goes through to be stored and fanned out. */
const MEASURED_SOURCES = ['sync-server', 'app', 'application/player', 'domain/player', 'gateways/event-store', 'gateways/cache', 'gateways/sql', 'projections'];

interface Node {
  name: string;
  pid: number;
  url: string;
  playerUrl: string;
  memory(): Promise<Memory>;
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
}

interface Context {
  config: Config;
  users: BenchUser[];
  load: Child<LoadTasks>;
  loadPid: number;
  /** The benchmark database's name and a connection to the server (for its backends' pids). */
  database: { name: string; admin: pg.Client };
}

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  const devices = config.users * config.devices;
  log(`${formatRate(config.users)} users x ${config.devices} devices = ${formatRate(devices)} player sockets, one command per user every ${config.intervalSeconds} s`);
  const database = await createTestDatabase('bench_player');
  const redisPrefix = `chorus-bench:player:${randomBytes(5).toString('hex')}:`;
  const logDir = await mkdtemp(join(tmpdir(), 'chorus-bench-player-'));
  const secret = randomBytes(32).toString('base64url');
  const children: Array<() => Promise<void>> = [];
  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'chorus-bench-player' });
  try {
    await admin.connect();
    const load = await spawnChild<LoadTasks>(LOAD, ['load']);
    children.push(() => load.stop());
    const loadPid = await load.call('pid', {});
    const env = serverEnv(database.url, redisPrefix, secret);
    const startNode = async (name: string, extra: Record<string, string>): Promise<Node> => {
      const child = await spawnChild<ChorusTasks>(NODE, [name]);
      children.push(async () => {
        await child.call('stop', {}).catch(() => undefined);
        await child.stop();
      });
      const { url, pid } = await child.call('start', { env: { ...env, CHORUS_NODE_ID: `bench-${name}`, ...extra }, logFile: join(logDir, `${name}.log`) });
      log(`${name}: Chorus listening on ${url} (pid ${pid})`);
      return { name, pid, url, playerUrl: `${url.replace(/^http/, 'ws')}/v1/sync/player`, memory: () => child.call('memory', {}),
        startProfile: () => child.call('startProfile', {}),
        stopProfile: (file) => child.call('stopProfile', { file }),
      };
    };
    const a = await startNode('chorus-a', { CHORUS_DEMO_CATALOG: '1' });
    log(`creating ${formatRate(config.users)} users with ${config.devices} devices each (dev tokens, devices registered, four tracks playing)`);
    const setupStarted = Date.now();
    const users = await prepareUsers(a.url, config.users, config.devices);
    const setupSeconds = (Date.now() - setupStarted) / 1_000;
    log(`users ready in ${setupSeconds.toFixed(1)} s`);
    const ctx: Context = { config, users, load, loadPid, database: { name: database.name, admin } };

    // The light runs (a quarter of the users, half as long, no memory figure) first: below saturation, for context.
    const light = config.lightUsers > 0 && config.lightUsers < config.users ? { users: config.lightUsers, seconds: Math.max(5, config.seconds / 2), memory: false } : undefined;
    const full = { users: config.users, seconds: config.seconds, memory: true };
    const oneNodeLight = light ? await phase(ctx, 'one node, light', [a], () => a, light) : undefined;
    const oneNode = await phase(ctx, 'one node', [a], () => a, full);
    const b = await startNode('chorus-b', { CHORUS_DEMO_CATALOG: '0' });
    // Each user's devices alternate between the nodes (A, B, A for even users; B, A, B for odd ones).
    const split = (user: number, device: number) => ((user + device) % 2 === 0 ? a : b);
    const twoNodesLight = light ? await phase(ctx, 'two nodes, light', [a, b], split, light) : undefined;
    const twoNodes = await phase(ctx, 'two nodes', [a, b], split, full);

    const report = buildReport(config, machine, code, { setupSeconds, oneNode, twoNodes, oneNodeLight, twoNodesLight }, startedAt);
    console.log(formatReport(report));
    await writeResults('player', report);
  } finally {
    for (const stop of children.reverse()) await stop();
    await admin.end().catch(() => undefined);
    await database.drop();
    await deleteByPrefix(redisPrefix);
    await rm(logDir, { recursive: true, force: true });
  }
}

interface PhaseSize {
  /** The first `users` users take part. */
  users: number;
  seconds: number;
  /** Whether memory is read before and after connecting. */
  memory: boolean;
}

/** Memory before and after connecting every device, then a warm-up and a measured run of commands. */
async function phase(ctx: Context, label: string, nodes: Node[], nodeOf: (user: number, device: number) => Node, size: PhaseSize): Promise<PhaseResult> {
  const { config, load } = ctx;
  const users = ctx.users.slice(0, size.users);
  const specs: UserSpec[] = users.map((user, u) => ({
    userId: user.userId,
    token: user.token,
    devices: user.deviceIds.map((deviceId, d) => ({ deviceId, url: nodeOf(u, d).playerUrl, node: nodeOf(u, d).name })),
  }));
  // Warm the nodes' code paths (upgrade, auth, the player read) so that the baseline is not a cold process.
  await load.call('connect', { users: specs.slice(0, Math.min(20, specs.length)), concurrency: 16 });
  await load.call('close', {});
  await sleep(1_000);
  const before = size.memory ? await Promise.all(nodes.map((n) => n.memory())) : [];
  log(`${label}: connecting ${formatRate(specs.length * config.devices)} devices`);
  const connect = await load.call('connect', { users: specs, concurrency: config.connectConcurrency });
  log(`${label}: ${formatRate(connect.devices)} devices connected in ${connect.seconds.toFixed(1)} s${connect.failed > 0 ? `; ${connect.failed} failed: ${connect.failures.join('; ')}` : ''}`);
  try {
    if (size.memory) await sleep(2_000);
    const after = size.memory ? await Promise.all(nodes.map((n) => n.memory())) : [];
    const memory: NodeMemory[] = after.map((_, i) => {
      const node = nodes[i]!;
      const connected = specs.reduce((sum, u) => sum + u.devices.filter((d) => d.node === node.name).length, 0) - (connect.failedByNode[node.name] ?? 0);
      const per = (key: keyof Memory) => (after[i]![key] - before[i]![key]) / Math.max(1, connected);
      return {
        node: node.name,
        devices: connected,
        before: before[i]!,
        after: after[i]!,
        perDevice: { rss: per('rss'), heapUsed: per('heapUsed'), heapTotal: per('heapTotal'), external: per('external'), arrayBuffers: per('arrayBuffers') },
      };
    });
    for (const m of memory) log(`${label}: ${m.node}: ${formatRate(m.perDevice.rss)} B RSS, ${formatRate(m.perDevice.heapUsed)} B JS heap per connected device (${formatRate(m.devices)} devices)`);
    log(`${label}: warm-up ${config.warmupSeconds} s, then ${size.seconds} s at ${formatRate(users.length / config.intervalSeconds)} commands/s`);
    const warmUp = await load.call('run', { intervalSeconds: config.intervalSeconds, seconds: config.warmupSeconds, measured: false, seed: config.seed });
    const groups = await cpuGroups(ctx, nodes);
    // BENCH_PLAYER_PROFILE_DIR: each node's CPU profile of the full-size measured runs (it costs the nodes a little CPU).
    const profileDir = size.memory ? process.env.BENCH_PLAYER_PROFILE_DIR : undefined;
    if (profileDir) await Promise.all(nodes.map((n) => n.startProfile()));
    const cpuBefore = sampleCpu(groups);
    const measured = await load.call('run', { intervalSeconds: config.intervalSeconds, seconds: size.seconds, measured: true, seed: config.seed + 1 });
    if (profileDir) await Promise.all(nodes.map((n) => n.stopProfile(join(profileDir, `${n.name}-${nodes.length}node.cpuprofile`))));
    // The groups again: a pool may have opened connections during the run (their backends count too).
    const cores = coresUsed(cpuBefore, sampleCpu(await cpuGroups(ctx, nodes)));
    cores.rest = cores.machine! - Object.entries(cores).reduce((sum, [name, c]) => (name === 'machine' ? sum : sum + c), 0);
    const latencies = await load.call('latencies', { timeoutMs: 5_000 });
    log(
      `${label}: command to all devices p50 ${latencies.allDevices.p50.toFixed(1)} ms, p99 ${latencies.allDevices.p99.toFixed(1)} ms; ` +
        `${latencies.complete}/${latencies.applied} delivered to every device; load process event loop ${Math.round(measured.loadEventLoop * 100)}% busy, delay p99 ${measured.loopDelay.p99.toFixed(1)} ms`,
    );
    return { label, nodes: nodes.map((n) => n.name), connect, memory, warmUp, run: measured, latencies, cores };
  } finally {
    await load.call('close', {});
  }
}

/** The processes whose CPU is reported: the nodes, the load process, this database's Postgres backends, Postgres's own processes, Redis. */
async function cpuGroups(ctx: Context, nodes: Node[]): Promise<ProcessGroups> {
  const rows = await ctx.database.admin.query<{ pid: number; datname: string | null; backend_type: string }>('select pid, datname, backend_type from pg_stat_activity');
  // A pool closes connections idle for 30 s, so backends come and go during a run: those of the
  // database at the end are counted (for what they used since the start, or since they started);
  // what one that exited during the run used is missing.
  const backends = new Set(rows.rows.filter((r) => r.datname === ctx.database.name).map((r) => r.pid));
  // The server's own processes (WAL writer, checkpointer, ...): they work for every database.
  const shared = new Set(rows.rows.filter((r) => r.backend_type !== 'client backend').map((r) => r.pid));
  const groups: ProcessGroups = {};
  for (const node of nodes) groups[node.name] = (p) => p.pid === node.pid;
  groups.load = (p) => p.pid === ctx.loadPid;
  groups['pg backends'] = (p) => backends.has(p.pid);
  groups['pg shared'] = (p) => shared.has(p.pid) && !backends.has(p.pid);
  groups.redis = (p) => p.command.startsWith('redis-server');
  return groups;
}

/** The environment of `npm start` for every Chorus node: real Postgres and Redis, no write limit (the player socket's own limits, 50,000 sockets a node, stay). */
function serverEnv(databaseUrl: string, redisPrefix: string, secret: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redisPrefix,
    CHORUS_RATE_LIMIT_WRITES: String(1_000_000_000),
    CHORUS_DEV_TOKEN_SECRET: secret,
    CHORUS_WEB: '0',
    LOG_LEVEL: 'warn',
    ...projectionsEnv(),
  };
}
