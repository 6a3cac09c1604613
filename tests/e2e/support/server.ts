/**
 * One Chorus per e2e file, started in process with `startChorus(loadConfig(env))` on a fresh
 * PostgreSQL database and its own Redis key prefix, listening on a free loopback port. The suite
 * also gets a reader on the same database to look at the event store directly (what was written,
 * where the head is) and to wait until every projection has caught up with it.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { expect } from 'vitest';
import { loadConfig } from '../../../app/config.js';
import { startChorus, type RunningChorus } from '../../../app/main.js';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import type { Position, RecordedEvent } from '../../../gateways/event-store/port.js';
import type { ErrorCode } from '../../../http/errors.js';
import type { ServedRoute } from '../../../http/openapi.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import type { SqlClient } from '../../../gateways/sql/port.js';
import { allProjections } from '../../../projections/index.js';
import { listGenerations } from '../../../projections/registry.js';
import { ApiClient, expectError, type ApiResponse } from '../../support/api-client.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { TEST_REDIS_URL, createTestRedis, type TestRedis } from '../../support/redis.js';

/** The secret of dev tokens in every e2e server (CHORUS_DEV_TOKEN_SECRET). */
export const DEV_SECRET = 'e2e-dev-token-secret-0123456789abcdef-0123456789';

export interface E2eServer {
  url: string;
  /** The HTTP routes the server serves (method and URL). */
  routes(): readonly ServedRoute[];
  /** A client without a token. */
  api: ApiClient;
  db: TestDatabase;
  redis: TestRedis;
  /** The event store of the same database, opened by the suite (not by the server). */
  store: PostgresEventStore;
  sql: SqlClient;
  /** A dev token for `userId` from POST /v1/auth/dev-token (which registers the user). */
  login(userId: string, displayName?: string): Promise<ApiClient>;
  /** How many events the store holds (every committed one, whatever transactions are open). */
  eventCount(): Promise<number>;
  head(): Promise<Position>;
  /** Resolves once every projection's checkpoint has reached the head. */
  settle(timeoutMs?: number): Promise<void>;
  /** Every event of `stream`. */
  stream(stream: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Environment on top of the defaults (database, Redis, loopback, demo catalog, dev secret). */
  env?: Record<string, string>;
  /** Wait for the projections to have processed the demo catalog (default true). */
  settle?: boolean;
}

/** A user id no other test (or run) uses. */
export function uniqueUser(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export async function startE2eServer(label: string, options: StartOptions = {}): Promise<E2eServer> {
  const db = await createTestDatabase(`e2e_${label}`);
  const redis = await createTestRedis(`e2e-${label}`);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    CHORUS_REDIS_KEY_PREFIX: redis.prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    CHORUS_DEMO_CATALOG: '1',
    CHORUS_DEV_TOKEN_SECRET: DEV_SECRET,
    CHORUS_NODE_ID: `e2e-${label}`,
    ...options.env,
  };
  const logger = pino({ level: process.env.CHORUS_E2E_LOG_LEVEL ?? 'silent' });
  let running: RunningChorus;
  try {
    running = await startChorus(loadConfig(env), logger);
  } catch (error) {
    await redis.cleanup();
    await db.drop();
    throw error;
  }
  const sql = createPgClient({ connectionString: db.url, applicationName: `e2e-reader-${label}`, max: 4 });
  const store = await PostgresEventStore.open(sql);
  const api = new ApiClient(running.url);

  const server: E2eServer = {
    url: running.url,
    routes: () => running.routes(),
    api,
    db,
    redis,
    store,
    sql,
    async login(userId, displayName = `User ${userId}`) {
      const response = await api.post<{ token: string; userId: string }>('/v1/auth/dev-token', { userId, displayName });
      if (response.status !== 200) throw new Error(`dev-token for ${userId}: ${response.status} ${response.text}`);
      return api.as(response.body.token);
    },
    async eventCount() {
      const [row] = await sql.query<{ n: number }>('select count(*)::int as n from es_events');
      return row!.n;
    },
    head: () => store.headPosition(),
    async settle(timeoutMs = 20_000) {
      const head = await store.headPosition();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const active = (await listGenerations(sql)).filter((g) => g.status === 'active');
        const behind = allProjections.filter((p) => {
          const g = active.find((a) => a.name === p.name);
          return !g?.checkpoint || store.comparePositions(g.checkpoint, head) < 0;
        });
        if (behind.length === 0) return;
        if (Date.now() > deadline) throw new Error(`projections still behind ${head}: ${behind.map((p) => p.name).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stream(name) {
      const events: RecordedEvent[] = [];
      for await (const event of store.readStream(name)) events.push(event);
      return events;
    },
    async close() {
      await running.close();
      await store.close();
      await sql.close();
      await redis.cleanup();
      await db.drop();
    },
  };
  if (options.settle ?? true) await server.settle();
  return server;
}

/**
 * Runs `call`, asserts it answered the error `code` (status and body), and that the event store
 * holds exactly as many events afterwards as before: a refused request writes nothing.
 */
export async function expectRefused(server: E2eServer, code: ErrorCode, call: () => Promise<ApiResponse>): Promise<ApiResponse> {
  const before = await server.eventCount();
  const response = await call();
  expectError(response, code);
  expect(await server.eventCount(), `${code}: the refused request wrote events`).toBe(before);
  return response;
}

/** Runs `call` and asserts it wrote nothing (for idempotent writes that change nothing). */
export async function expectNothingWritten<T>(server: E2eServer, call: () => Promise<T>): Promise<T> {
  const before = await server.eventCount();
  const result = await call();
  expect(await server.eventCount(), 'the request wrote events').toBe(before);
  return result;
}

/** A body over the server's limit (64 KiB). */
export const OVERSIZED = 'x'.repeat(70 * 1024);

/** A position no store has reached. */
export const FAR_FUTURE = '18446744073709551615:0';
