/**
 * Chorus nodes as real processes (`node --import tsx app/main.ts`) for the sync tests: every node
 * of a cluster shares one fresh PostgreSQL database, one Redis key prefix and one dev-token secret,
 * listens on its own loopback port, and can be stopped (SIGTERM or SIGKILL) and started again on
 * the same port, so that the providers connected to it reconnect to the same URL.
 *
 * The nodes log at `warn` (LOG_LEVEL), so readiness is polled on /healthz instead of read from
 * the log. The suite also opens the event store of the same database, to look at what was stored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { ApiClient } from './api-client.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { freePort, inheritedEnv } from './process.js';
import { TEST_REDIS_URL, createTestRedis, type TestRedis } from './redis.js';

/** The secret of dev tokens, the same on every node (CHORUS_DEV_TOKEN_SECRET). */
export const SYNC_DEV_SECRET = 'sync-tests-dev-token-secret-0123456789abcdef';

export interface SyncNode {
  readonly name: string;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** ws://127.0.0.1:PORT/v1/sync/playlists — the provider's server URL (it appends /<playlistId>). */
  readonly syncUrl: string;
  readonly api: ApiClient;
  readonly running: boolean;
  /** The process id of the current run. */
  readonly pid: number | undefined;
  /** Everything every run of this node wrote (for failure reports). */
  output(): string;
  /** Stops the process (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits for its exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Prometheus text of GET /metrics. */
  metric(name: string): Promise<number | undefined>;
}

export interface SyncUser {
  userId: string;
  token: string;
  api: ApiClient;
}

export interface SyncCluster {
  db: TestDatabase;
  redis: TestRedis;
  /** The environment every node starts with. */
  env: Record<string, string>;
  nodes: SyncNode[];
  /** The event store of the cluster's database, opened by the suite. */
  store: PostgresEventStore;
  sql: SqlClient;
  /** Starts another node on the cluster's database and Redis (`env` on top of the shared one). */
  addNode(name: string, env?: Record<string, string>): Promise<SyncNode>;
  /** A dev token for a new user (registered through POST /v1/auth/dev-token on the first node). */
  user(label: string): Promise<SyncUser>;
  /** Every event of a playlist's stream. */
  playlistEvents(playlistId: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

export async function startSyncCluster(label: string, nodeCount = 1): Promise<SyncCluster> {
  const db = await createTestDatabase(`sync_${label}`);
  const redis = await createTestRedis(`sync-${label}`);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redis.prefix,
    CHORUS_DEV_TOKEN_SECRET: SYNC_DEV_SECRET,
    CHORUS_DEMO_CATALOG: '1',
    CHORUS_RATE_LIMIT_WRITES: '100000',
    // The per-user sync limits are tested on their own (tests/sync/user-limits.test.ts).
    CHORUS_SYNC_EDITS_PER_SECOND: '100000',
    CHORUS_SYNC_EDIT_BURST: '100000',
    CHORUS_SYNC_MAX_CONNECTIONS_PER_USER: '100000',
    LOG_LEVEL: process.env.CHORUS_SYNC_TEST_LOG_LEVEL ?? 'warn',
    HOST: '127.0.0.1',
  };
  const nodes: SyncNode[] = [];
  let sql: SqlClient | undefined;
  let store: PostgresEventStore | undefined;
  const cluster: SyncCluster = {
    db,
    redis,
    env,
    nodes,
    get store() {
      if (!store) throw new Error('no node has started yet');
      return store;
    },
    get sql() {
      if (!sql) throw new Error('no node has started yet');
      return sql;
    },
    async addNode(name, extra = {}) {
      const node = await startNode(name, { ...env, CHORUS_NODE_ID: `sync-${label}-${name}`, ...extra });
      nodes.push(node);
      if (!sql) {
        sql = createPgClient({ connectionString: db.url, applicationName: `sync-reader-${label}`, max: 4 });
        store = await PostgresEventStore.open(sql);
      }
      return node;
    },
    async user(userLabel) {
      const userId = `${userLabel}-${randomUUID().slice(0, 8)}`;
      const api = nodes[0]!.api;
      const response = await api.post<{ token: string }>('/v1/auth/dev-token', { userId, displayName: `User ${userLabel}` });
      if (response.status !== 200) throw new Error(`dev-token for ${userId}: ${response.status} ${response.text}`);
      return { userId, token: response.body.token, api: api.as(response.body.token) };
    },
    async playlistEvents(playlistId) {
      const events: RecordedEvent[] = [];
      for await (const event of cluster.store.readStream(`playlist-${playlistId}`)) events.push(event);
      return events;
    },
    async close() {
      await Promise.allSettled(nodes.map((node) => node.stop('SIGTERM')));
      await store?.close();
      await sql?.close();
      await redis.cleanup();
      await db.drop();
    },
  };
  try {
    for (let i = 0; i < nodeCount; i += 1) await cluster.addNode(`n${i + 1}`);
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

async function startNode(name: string, env: Record<string, string>, timeoutMs = 90_000): Promise<SyncNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    const started = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      env: { ...inheritedEnv(), ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`node ${name} exited (${started.exitCode ?? started.signalCode}) before it listened:\n${output.slice(-4000)}`);
      }
      try {
        const health = await fetch(`${url}/healthz`);
        if (health.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`node ${name} did not listen on ${url} within ${timeoutMs} ms:\n${output.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const node: SyncNode = {
    name,
    port,
    url,
    syncUrl: `ws://127.0.0.1:${port}/v1/sync/playlists`,
    api: new ApiClient(url),
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    get pid() {
      return child?.pid;
    },
    output: () => output,
    async stop(signal = 'SIGTERM') {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return running?.exitCode ?? null;
      // 'close' comes after 'exit' once the output is read to its end (the last log lines with it).
      const exited = once(running, 'close');
      running.kill(signal);
      const killer = setTimeout(() => running.kill('SIGKILL'), 15_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(killer);
      return code;
    },
    start,
    async metric(metricName) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${metricName} `) || l.startsWith(`${metricName}{`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    },
  };
  await start();
  return node;
}

/** Creates a private collaborative playlist as `owner` (unless `body` says otherwise); returns its id. */
export async function createPlaylist(owner: SyncUser, body: Record<string, unknown> = {}): Promise<string> {
  const created = await owner.api.post<{ id: string }>('/v1/playlists', { name: 'Sync mix', public: false, collaborative: true, ...body });
  if (created.status !== 201) throw new Error(`create playlist: ${created.status} ${created.text}`);
  return created.body.id;
}

/** Adds (or changes) a collaborator. */
export async function setCollaborator(owner: SyncUser, playlistId: string, userId: string, role: 'editor' | 'viewer'): Promise<void> {
  const response = await owner.api.put(`/v1/playlists/${playlistId}/collaborators/${userId}`, { role });
  if (response.status !== 204) throw new Error(`set collaborator: ${response.status} ${response.text}`);
}
