/**
 * The sync benchmark: the same editing clients against Chorus's sync server (every edit stored
 * in PostgreSQL before it is relayed) and against the stock y-websocket server, in the same run,
 * on loopback; memory per idle connection; latency across two Chorus nodes; and the first sync of
 * a 10,000-entry playlist loaded from the store. Each server and the load run in processes of
 * their own. See bench/README.md.
 */
import { projectionsEnv } from '../lib/env.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_URL, createTestDatabase } from '../../tests/support/postgres.js';
import { freePort } from '../../tests/support/process.js';
import { TEST_REDIS_URL, deleteByPrefix } from '../../tests/support/redis.js';
import { log, writeResults } from '../lib/results.js';
import { spawnChild, type Child } from '../lib/rpc.js';
import { beginRun } from '../lib/run-context.js';
import { readConfig, type Config } from './config.js';
import type { ChorusTasks, LoadTasks, StockTasks } from './protocol.js';
import { buildReport, formatReport } from './report.js';
import { editing, idleMemory, largeOnStock, largePlaylist, type Context, type EditingResult, type Server } from './scenarios.js';
import { prepareFixture } from './setup.js';

const NODE = new URL('./chorus-node.ts', import.meta.url);
const STOCK = new URL('./stock-server.ts', import.meta.url);
const LOAD = new URL('./load.ts', import.meta.url);
/** The code under test: the sync server and what an edit goes through to be stored and relayed. */
const MEASURED_SOURCES = ['sync-server', 'app', 'application', 'domain/playlist', 'gateways/event-store', 'gateways/cache', 'gateways/sql', 'projections'];

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  const openFiles = openFilesLimit();
  if (openFiles !== undefined && openFiles < config.idleConnections + 1_000) {
    log(`warning: open files limit ${openFiles} (ulimit -n) is close to ${config.idleConnections} idle connections: opening them may fail`);
  }
  const database = await createTestDatabase('bench_sync');
  const redisPrefix = `chorus-bench:sync:${randomBytes(5).toString('hex')}:`;
  const logDir = await mkdtemp(join(tmpdir(), 'chorus-bench-sync-'));
  const secret = randomBytes(32).toString('base64url');
  /** Every child, to stop in reverse order: servers close (Chorus stores what is queued), then exit. */
  const children: Array<() => Promise<void>> = [];
  const spawn = async <T extends ChorusTasks | StockTasks | LoadTasks>(entry: URL, name: string): Promise<Child<T>> => {
    const child = await spawnChild<T>(entry, [name]);
    children.push(async () => {
      if (name !== 'load') await (child as unknown as Child<ServerStop>).call('stop', {}).catch(() => undefined);
      await child.stop();
    });
    return child;
  };
  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'chorus-bench-sync' });
  const client = new pg.Client({ connectionString: database.url, application_name: 'chorus-bench-sync' });
  try {
    await admin.connect();
    await client.connect();
    const load = await spawn<LoadTasks>(LOAD, 'load');
    const loadPid = await load.call('pid', {});
    const chorusEnv = serverEnv(config, database.url, redisPrefix, secret);
    const startNode = async (name: string, extra: Record<string, string> = {}) => {
      const child = await spawn<ChorusTasks>(NODE, name);
      const { url, pid } = await child.call('start', { env: { ...chorusEnv, CHORUS_NODE_ID: `bench-${name}`, ...extra }, logFile: join(logDir, `${name}.log`) });
      log(`${name}: Chorus listening on ${url} (pid ${pid})`);
      return {
        name,
        pid,
        url,
        stop: () => child.call('stop', {}),
        syncUrl: `${url.replace(/^http/, 'ws')}/v1/sync/playlists`,
        memory: () => child.call('memory', {}),
        syncState: () => child.call('syncState', {}),
        takeLoadTimes: () => child.call('takeLoadTimes', {}),
        takeStoreLags: () => child.call('takeStoreLags', {}),
        takeVisibleLags: () => child.call('takeVisibleLags', {}),
        profile: async () => {
          await child.call('startProfile', {});
          return (file: string) => child.call('stopProfile', { file });
        },
      } satisfies Server & { url: string; takeLoadTimes(): Promise<number[]>; stop(): Promise<void> };
    };
    const ours = await startNode('chorus');
    const stockChild = await spawn<StockTasks>(STOCK, 'stock');
    const stockStarted = await stockChild.call('start', { port: await freePort() });
    const stock: Server = {
      name: 'stock',
      pid: stockStarted.pid,
      syncUrl: `${stockStarted.url.replace(/^http/, 'ws')}/v1/sync/playlists`,
      memory: () => stockChild.call('memory', {}),
    };
    log(`stock: y-websocket 1.5.4 listening on ${stockStarted.url} (pid ${stock.pid})`);

    log(`creating ${config.playlists} playlists with ${config.clients} members each`);
    const fixture = await prepareFixture(ours.url, config.playlists, config.clients);
    const ctx: Context = {
      config,
      fixture,
      load,
      loadPid,
      database: { name: database.name, admin, client },
      serverPids: { chorus: ours.pid, stock: stock.pid },
    };

    const idle = { ours: await idleMemory(ctx, ours), stock: await idleMemory(ctx, stock) };
    const light =
      config.lightPlaylists > 0 && config.lightPlaylists < config.playlists
        ? {
            ours: await editing(ctx, 'ours, light', config.lightPlaylists, [ours], () => ours),
            stock: await editing(ctx, 'stock, light', config.lightPlaylists, [stock], () => stock),
          }
        : undefined;
    const latency = {
      ours: await editing(ctx, 'ours', config.playlists, [ours], () => ours),
      stock: await editing(ctx, 'stock', config.playlists, [stock], () => stock),
    };
    // Embedded, as a new user starts it (npm start: PGlite, in-process cache, no Redis), on a data folder of its own.
    const embedded = config.embedded ? await embeddedRuns(ctx, startNode, logDir, light !== undefined) : undefined;
    // The second node unloads idle documents quickly, for the cold loads of the large playlist.
    const second = await startNode('chorus-2', { CHORUS_SYNC_IDLE_UNLOAD_MS: '200' });
    ctx.serverPids['chorus-2'] = second.pid;
    const alternate = (j: number) => (j % 2 === 0 ? ours : second);
    const crossLight =
      config.lightPlaylists > 0 && config.lightPlaylists < config.crossPlaylists
        ? await editing(ctx, 'cross-node, light', config.lightPlaylists, [ours, second], alternate)
        : undefined;
    const crossNode = await editing(ctx, 'cross-node', config.crossPlaylists, [ours, second], alternate);
    const large = await largePlaylist(ctx, ours, second);
    const onStock = await largeOnStock(ctx, stock);

    const report = buildReport(config, openFiles, machine, code, { idle, latency, light, embedded, crossNode, crossLight, large, largeOnStock: onStock }, startedAt);
    console.log(formatReport(report));
    await writeResults('sync', report);
  } finally {
    for (const stop of children.reverse()) await stop();
    await admin.end().catch(() => undefined);
    await client.end().catch(() => undefined);
    await database.drop();
    await deleteByPrefix(redisPrefix);
    await rm(logDir, { recursive: true, force: true });
  }
}

type ServerStop = { stop: { args: Record<string, never>; result: void } };

type StartNode = (name: string, extra?: Record<string, string>) => Promise<Server & { url: string; stop(): Promise<void> }>;

/** The editing runs against an embedded node (PGlite in its own data folder, no Redis), with a fixture made through its own API. */
async function embeddedRuns(ctx: Context, startNode: StartNode, logDir: string, withLight: boolean): Promise<{ full: EditingResult; light?: EditingResult }> {
  const { config } = ctx;
  const dataDir = await mkdtemp(join(tmpdir(), 'chorus-bench-embedded-'));
  const node = await startNode('chorus-embedded', { DATABASE_URL: '', REDIS_URL: '', CHORUS_DATA_DIR: dataDir });
  ctx.serverPids['chorus-embedded'] = node.pid;
  try {
    log(`embedded: creating ${config.playlists} playlists with ${config.clients} members each`);
    const fixture = await prepareFixture(node.url, config.playlists, config.clients);
    const light = withLight ? await editing(ctx, 'embedded, light', config.lightPlaylists, [node], () => node, fixture) : undefined;
    const full = await editing(ctx, 'embedded', config.playlists, [node], () => node, fixture);
    return { full, ...(light ? { light } : {}) };
  } finally {
    delete ctx.serverPids['chorus-embedded'];
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
    void logDir;
  }
}

/** The environment of `npm start` for every Chorus node: real Postgres and Redis, no write limit, room for every connection. */
function serverEnv(config: Config, databaseUrl: string, redisPrefix: string, secret: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redisPrefix,
    CHORUS_DEMO_CATALOG: '1', // the edits add its tracks (tracks.ts)
    CHORUS_RATE_LIMIT_WRITES: String(1_000_000_000),
    CHORUS_SYNC_EDITS_PER_SECOND: String(1_000_000_000),
    CHORUS_SYNC_EDIT_BURST: String(1_000_000_000),
    CHORUS_SYNC_MAX_CONNECTIONS_PER_USER: String(1_000_000_000),
    CHORUS_DEV_TOKEN_SECRET: secret,
    CHORUS_SYNC_MAX_CONNECTIONS: String(Math.max(20_000, 2 * (config.idleConnections + config.playlists * config.clients))),
    CHORUS_SYNC_MAX_DOCUMENTS: String(Math.max(10_000, 2 * config.playlists + 10)),
    LOG_LEVEL: 'warn',
    ...projectionsEnv(),
  };
}

/** The soft limit on open files of this process (children inherit it), from /proc. */
function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
