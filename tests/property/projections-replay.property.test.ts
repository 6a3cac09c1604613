/**
 * Property: for random valid event histories, every read model in `allProjections` built
 * incrementally — by the real runner, in random batch sizes, while its process is killed at
 * random statements (before one runs, or after it ran but before its caller saw the result, e.g.
 * right after a COMMIT or an EXEC) and restarted — ends in exactly the state a rebuild from
 * scratch produces.
 *
 * One history per run, on a fresh database and cache key space. The history's commands go
 * through the deciders, and playlist edits through two devices' copies of the Yjs document
 * (history-arbitraries.ts); the events are appended in chunks before and while the process runs.
 * Each life of the process is a `Projections` of all the projections over a SqlClient and a Cache
 * wrapped by a crash injector (crash-injection.ts): at its crash point (the k-th statement, or the
 * k-th commit) the process dies, everything it calls from then on fails, and its advisory locks go
 * with its connections. The next life starts on new clients over the same database and cache,
 * after the dead one's in-flight statements have settled or, when the life `lingers`, while they
 * may still land. A life without a crash point (or whose crash point lies beyond its work) is
 * killed once it has caught up (read from outside: the stored checkpoints). The last life runs
 * without crashing until `waitFor` reaches the last event. Then every projection is rebuilt into a
 * new generation, and every row of every physical table (SQL), and every key with its value,
 * sorted-set members and scores, and expiry (cache, the checkpoint guard apart) of the two
 * generations must be equal. A failure names the rows and keys that differ, what each life did,
 * and the history.
 *
 * What a crash here does not take away: the JavaScript memory of the process (the same modules run
 * the next life), so a projection keeping state in memory between batches would not be caught.
 * None does.
 *
 * Replay a failure with FC_SEED and FC_PATH from its report. A life's runners run concurrently,
 * so a replay dies at the same statement number, which may be another statement than the first
 * time (with `commits` crash points, at the same commit count).
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent, Position } from '../../gateways/event-store/port.js';
import { START } from '../../gateways/event-store/position.js';
import type { Cache } from '../../gateways/cache/port.js';
import { RedisCache } from '../../gateways/cache/redis.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createPgliteClient, type PgliteClient } from '../../gateways/sql/pglite.js';
import { SqlError, type SqlClient } from '../../gateways/sql/port.js';
import { allProjections } from '../../projections/index.js';
import { Projections, rebuildProjection, type ProjectionsDeps } from '../../projections/manager.js';
import { cacheKeyPrefix, type Projection, type SqlProjection } from '../../projections/projection.js';
import { listGenerations, type Generation } from '../../projections/registry.js';
import { CrashSwitch, crashingCache, crashingSqlClient, type CrashPoint } from '../support/crash-injection.js';
import { CHECKPOINT_SUFFIX, InspectableMemoryCache, diffCacheDumps, diffSqlGenerations, dumpRedis, type CacheDump } from '../support/crash-snapshots.js';
import { buildHistory, describeHistory, historyEventId, historyIntents, listeningIntents, type Intent } from '../support/history-arbitraries.js';
import { createTestDatabase } from '../support/postgres.js';
import { propertyParameters } from '../support/property.js';
import { TEST_REDIS_URL, createTestRedis, deleteByPrefix, type TestRedis } from '../support/redis.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** Retired generations stay (the comparison reads them); nothing in a run lasts this long. */
const KEEP_RETIRED_MS = 3_600_000;
/** How long a life may take to catch up (it takes a few seconds at most; a stuck one fails the run). */
const CATCH_UP_TIMEOUT_MS = 20_000;
const UNDEFINED_TABLE = '42P01';
/**
 * A failing history shrinks one replay (seconds each) at a time: past this much shrinking, the
 * candidates left are passed without running, so fast-check reports the smallest failing history
 * found so far well before vitest's timeout would kill the test unreported.
 */
const SHRINK_BUDGET_MS = 240_000;

// ---- scenarios

interface Life {
  batchSize: number;
  /** Where the process dies; null: it is killed once it has caught up. */
  crash: CrashPoint | null;
  /** Appends made before the process starts, and while it runs. */
  appendsBefore: number;
  appendsWhileRunning: number;
  /**
   * The next life starts without waiting for what this one had in flight when it died: a statement
   * it had sent (a COMMIT, an EXEC) may land after the next life has read its checkpoints.
   */
  lingers: boolean;
}

interface Scenario {
  intents: Intent[];
  /** Lives that end in a crash (or a kill); then one last life that runs to the end. */
  lives: Life[];
  last: { batchSize: number; appendsBefore: number };
}

const when = fc.constantFrom('before' as const, 'after' as const);
const crashPoint: fc.Arbitrary<CrashPoint> = fc.oneof(
  // Any statement: lives issue tens to a few hundred; small numbers hit the start-up.
  fc.record({
    among: fc.constant('statements' as const),
    n: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 100 }) }),
    when,
  }),
  // A commit (SQL or cache): where a batch and its checkpoint land, or do not.
  fc.record({ among: fc.constant('commits' as const), n: fc.integer({ min: 1, max: 25 }), when }),
);
const batchSize = fc.integer({ min: 1, max: 50 });

const scenario = (
  intents: fc.Arbitrary<Intent[]>,
  lives = { min: 1, max: 4 },
  crash: fc.Arbitrary<CrashPoint | null> = fc.option(crashPoint, { freq: 6 }),
): fc.Arbitrary<Scenario> =>
  fc.record({
    intents,
    lives: fc.array(
      fc.record({
        batchSize,
        crash,
        appendsBefore: fc.nat({ max: 15 }),
        appendsWhileRunning: fc.nat({ max: 15 }),
        lingers: fc.boolean(),
      }),
      { minLength: lives.min, maxLength: lives.max },
    ),
    last: fc.record({ batchSize, appendsBefore: fc.nat({ max: 30 }) }),
  });

// ---- where a run's database and cache live

/** The clients one process (one life) talks through. */
interface ProcessClients {
  sql: SqlClient;
  cache: Cache;
  /** What the process's death leaves behind is closed (its connections). */
  close(): Promise<void>;
}

/** One history's database and cache, seen from outside the crashing processes. */
interface RunEnv {
  store: PostgresEventStore;
  sql: SqlClient;
  cache: Cache;
  dumpCache(name: string, generation: number): Promise<CacheDump>;
  processClients(life: number): Promise<ProcessClients>;
  close(): Promise<void>;
}

interface Backend {
  setup(): Promise<void>;
  openRun(): Promise<RunEnv>;
  teardown(): Promise<void>;
}

/** A Postgres server (a fresh database per history) and Redis (a fresh key prefix per history). */
function serverBackend(): Backend {
  let redis: TestRedis;
  let runs = 0;
  return {
    async setup() {
      redis = await createTestRedis('replay');
    },
    async openRun() {
      runs += 1;
      const db = await createTestDatabase('replay');
      const prefix = `${redis.prefix}run${runs}:`;
      const sql = createPgClient({ connectionString: db.url, max: 4, applicationName: 'chorus-replay-observer' });
      const store = await PostgresEventStore.open(sql);
      const cache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: prefix });
      return {
        store,
        sql,
        cache,
        dumpCache: (name, generation) => dumpRedis(TEST_REDIS_URL, prefix, name, generation),
        async processClients(life) {
          const processSql = createPgClient({ connectionString: db.url, max: 4, applicationName: `chorus-replay-life${life}` });
          const processCache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: prefix });
          return {
            sql: processSql,
            cache: processCache,
            close: async () => {
              await processCache.close();
              await processSql.close();
            },
          };
        },
        async close() {
          await store.close();
          await cache.close();
          await sql.close();
          await db.drop();
          await deleteByPrefix(prefix);
        },
      };
    },
    async teardown() {
      await redis?.cleanup();
    },
  };
}

/**
 * PGlite and the in-process cache, as in embedded mode. One PGlite serves every history (it takes
 * seconds to start); its schema is emptied between histories. Its locks live in the process, so a
 * dead life's locks are dropped by the crash injector.
 */
function embeddedBackend(): Backend {
  let pglite: PgliteClient;
  return {
    async setup() {
      pglite = await createPgliteClient();
    },
    async openRun() {
      await pglite.exec('drop schema public cascade; create schema public;');
      const store = await PostgresEventStore.open(pglite);
      const cache = new InspectableMemoryCache();
      return {
        store,
        sql: pglite,
        cache,
        dumpCache: async (name, generation) => cache.dump(cacheKeyPrefix(name, generation)),
        // One database and one cache in this process: a new life talks to the same ones.
        processClients: async () => ({ sql: pglite, cache, close: async () => undefined }),
        async close() {
          await store.close();
        },
      };
    },
    async teardown() {
      await pglite?.close();
    },
  };
}

// ---- one history

interface Stats {
  histories: number;
  events: number;
  lives: number;
  crashes: { before: number; after: number };
  /** Crashes by kind of statement ("after COMMIT", "before in transaction: query", ...). */
  crashedAt: Map<string, number>;
  killedIdle: number;
  statements: number;
}

const newStats = (): Stats => ({ histories: 0, events: 0, lives: 0, crashes: { before: 0, after: 0 }, crashedAt: new Map(), killedIdle: 0, statements: 0 });

/** "after statement 12 (in transaction: query update projection_generations ...)" -> "after in transaction: query". */
const crashKind = (death: string) => {
  const match = /^(before|after) statement \d+(?:, commit \d+)? \((in transaction: (?:query|exec)|query|exec|BEGIN|COMMIT|tryLock|LISTEN|cache \w+)/.exec(death);
  return match ? `${match[1]} ${match[2]}` : death;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every projection's active generation has stored a checkpoint at or past `target` (read from outside the process). */
async function storedCheckpointsReach(env: RunEnv, projections: readonly Projection[], target: Position): Promise<boolean> {
  let generations: Generation[];
  try {
    generations = await listGenerations(env.sql);
  } catch (error) {
    // The first life may not have created the registry yet.
    if (error instanceof SqlError && error.sqlState === UNDEFINED_TABLE) return false;
    throw error;
  }
  for (const projection of projections) {
    const active = generations.find((g) => g.name === projection.name && g.status === 'active');
    if (!active) return false;
    if (target === START) continue;
    const checkpoint =
      projection.kind === 'sql' ? active.checkpoint : await env.cache.get(`${cacheKeyPrefix(projection.name, active.generation)}${CHECKPOINT_SUFFIX}`);
    if (checkpoint === null || env.store.comparePositions(checkpoint, target) < 0) return false;
  }
  return true;
}

/** Every runner of `manager` holds its lock and runs. */
async function untilRunning(manager: Projections): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const status = await manager.status();
    if (status.every((p) => p.generations.some((g) => g.status === 'active' && g.runner?.state === 'running'))) return;
    if (Date.now() > deadline) throw new Error(`the runners of the last life did not start: ${JSON.stringify(status, null, 1)}`);
    await sleep(10);
  }
}

/**
 * The projections a process runs, given the SqlClient it talks through (the real ones ignore it;
 * a deliberately broken one may use it to write outside its batch's transaction).
 */
type ProjectionSet = (sql: SqlClient) => readonly Projection[];

async function replayWithCrashes(backend: Backend, projectionSet: ProjectionSet, s: Scenario, stats: Stats = newStats()): Promise<void> {
  const history = buildHistory(s.intents);
  const env = await backend.openRun();
  // As the rebuild runs them: on the database itself, no crash.
  const projections = projectionSet(env.sql);
  const story: string[] = [];
  const lingering: Array<Promise<void>> = [];
  try {
    let appended = 0;
    let eventNumber = 0;
    let last: Position = START;
    const append = async (count: number) => {
      for (const { stream, events } of history.slice(appended, (appended += count))) {
        const batch: NewEvent[] = events.map((e) => ({ id: historyEventId((eventNumber += 1)), type: e.type, data: e.data as NewEvent['data'] }));
        last = (await env.store.append(stream, batch)).position;
      }
    };
    const startLife = async (index: number, size: number, life: CrashSwitch) => {
      const clients = await env.processClients(index);
      const sql = crashingSqlClient(clients.sql, life);
      const deps: ProjectionsDeps = {
        store: env.store,
        sql,
        cache: crashingCache(clients.cache, life),
        logger,
        batchSize: size,
        pollMs: 60_000,
        retiredGraceMs: KEEP_RETIRED_MS,
      };
      const manager = new Projections(deps, projectionSet(sql));
      const started = manager.start();
      started.catch(() => undefined);
      return { manager, started, clients };
    };

    for (const [index, plan] of s.lives.entries()) {
      await append(plan.appendsBefore);
      const life = new CrashSwitch(plan.crash);
      const { manager, started, clients } = await startLife(index, plan.batchSize, life);
      let settled = false;
      let outcome: 'crashed' | 'caught up' | 'stuck' = 'stuck';
      let stuckStatus = '';
      try {
        await append(plan.appendsWhileRunning);
        const caughtUp = (async () => {
          const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
          while (!settled) {
            if (await storedCheckpointsReach(env, projections, last)) return 'caught up' as const;
            if (Date.now() > deadline) return 'stuck' as const;
            await sleep(20);
          }
          return 'crashed' as const;
        })();
        caughtUp.catch(() => undefined);
        outcome = await Promise.race([life.crashed.then(() => 'crashed' as const), caughtUp]);
        if (outcome === 'stuck') stuckStatus = JSON.stringify(await manager.status().catch(() => []), null, 1);
      } finally {
        settled = true;
        // Dead (or killed now, if it has not died): its statements fail, its locks are gone.
        await life.kill();
        const buried = (async () => {
          await started.catch(() => undefined);
          await manager.stop().catch(() => undefined);
          await clients.close();
        })();
        if (plan.lingers) lingering.push(buried);
        else await buried;
      }
      stats.lives += 1;
      stats.statements += life.statements;
      const point = plan.crash ? `crash ${plan.crash.when} ${plan.crash.among === 'commits' ? 'commit' : 'statement'} ${plan.crash.n}` : 'no crash point';
      story.push(
        `life ${index + 1} (batch ${plan.batchSize}, ${point}${plan.lingers ? ', lingers' : ''}; ${life.statements} statements, ${life.commitCount} commits): ` +
          `${outcome}, died ${life.death}`,
      );
      if (outcome === 'stuck') {
        throw new Error(`life ${index + 1} neither crashed nor caught up within ${CATCH_UP_TIMEOUT_MS} ms\n  ${story.join('\n  ')}\nits projections:\n${stuckStatus}`);
      }
      if (outcome === 'crashed') {
        stats.crashes[plan.crash!.when] += 1;
        const kind = crashKind(life.death ?? '');
        stats.crashedAt.set(kind, (stats.crashedAt.get(kind) ?? 0) + 1);
      } else {
        stats.killedIdle += 1;
      }
    }

    // The last life: no crash; it runs until the read models have caught up with the last event.
    await append(s.last.appendsBefore);
    const life = new CrashSwitch(null);
    const { manager, started, clients } = await startLife(s.lives.length, s.last.batchSize, life);
    try {
      await started;
      await append(history.length - appended);
      // waitFor asks the local runner only if it is running when called; otherwise it watches the
      // registry, whose copy of a cache projection's checkpoint is written at most once a second
      // and may never reach the head (a bug, reported apart). Let the runners take their locks first.
      await untilRunning(manager);
      try {
        await manager.waitFor(manager.names, last, CATCH_UP_TIMEOUT_MS);
      } catch (error) {
        const status = await manager.status().catch(() => []);
        throw new Error(`the last life did not catch up: ${String(error)}\n${JSON.stringify(status, null, 1)}`, { cause: error });
      }
    } finally {
      await manager.stop();
      await clients.close();
      story.push(`last life (batch ${s.last.batchSize}, ${life.statements} statements): caught up`);
      stats.lives += 1;
      stats.statements += life.statements;
    }
    await Promise.all(lingering);

    // From scratch: a new generation of every projection, beside the incremental one.
    const before = await listGenerations(env.sql);
    const deps: ProjectionsDeps = { store: env.store, sql: env.sql, cache: env.cache, logger, pollMs: 60_000, retiredGraceMs: KEEP_RETIRED_MS };
    const rebuilt = await Promise.all(projections.map((p) => rebuildProjection(deps, p)));

    const problems: string[] = [];
    for (const [i, projection] of projections.entries()) {
      const incremental = before.find((g) => g.name === projection.name && g.status === 'active')!.generation;
      const fresh = rebuilt[i]!.generation;
      const a = { generation: incremental, label: `incremental g${incremental}` };
      const b = { generation: fresh, label: `rebuild g${fresh}` };
      if (projection.kind === 'sql') problems.push(...(await diffSqlGenerations(env.sql, projection, a, b)));
      else problems.push(...diffCacheDumps(projection, { ...a, dump: await env.dumpCache(projection.name, incremental) }, { ...b, dump: await env.dumpCache(projection.name, fresh) }));
    }
    stats.histories += 1;
    stats.events += eventNumber;
    expect(
      problems,
      `incremental (with crashes) and rebuilt read models differ:\n${problems.join('\n')}\n` +
        `what happened:\n  ${story.join('\n  ')}\nthe history (${eventNumber} events):\n${describeHistory(history)}`,
    ).toEqual([]);
  } finally {
    await Promise.allSettled(lingering);
    await env.close();
  }
}

/** Runs `property` until it has failed and then shrunk for SHRINK_BUDGET_MS; after that, passes without running. */
function withShrinkBudget<T>(property: (value: T) => Promise<void>): (value: T) => Promise<void> {
  let failedAt: number | undefined;
  return async (value) => {
    if (failedAt !== undefined && Date.now() - failedAt > SHRINK_BUDGET_MS) return;
    try {
      await property(value);
    } catch (error) {
      failedAt ??= Date.now();
      throw error;
    }
  };
}

const summary = (label: string, stats: Stats) =>
  `[projections-replay ${label}] ${stats.histories} histories, ${stats.events} events, ${stats.lives} lives, ` +
  `${stats.crashes.before} crashes before a statement, ${stats.crashes.after} after one, ${stats.killedIdle} killed when idle, ${stats.statements} statements; ` +
  `crashed at: ${[...stats.crashedAt].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, n]) => `${kind} ${n}`).join(', ')}`;

describe.each([
  { label: 'Postgres server + Redis', backend: serverBackend(), runs: 20, commands: 60 },
  { label: 'PGlite + in-process cache', backend: embeddedBackend(), runs: 12, commands: 50 },
])('projections: incremental with crashes equals a rebuild from scratch ($label)', ({ label, backend, runs, commands }) => {
  const stats = newStats();
  beforeAll(() => backend.setup());
  afterAll(async () => {
    console.log(summary(label, stats));
    await backend.teardown();
  });

  it('for random histories, batch sizes and crash points, for every projection', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario(historyIntents(commands)),
        withShrinkBudget((s) => replayWithCrashes(backend, () => allProjections, s, stats)),
      ),
      propertyParameters(runs),
    );
  });
});

/**
 * A projection with the bug this property exists for: it writes outside its batch's transaction
 * (through the process's client, not `tx`), so a crash between that write and the checkpoint's
 * commit applies the batch again after the restart, and the tally counts plays twice.
 */
const writesOutsideItsTransaction = (sql: SqlClient): SqlProjection => ({
  kind: 'sql',
  name: 'play-tally',
  version: 1,
  handles: ['TrackPlayed'],
  tables: { play_tally: (t) => `create table ${t} (track_id text primary key, plays int not null)` },
  async apply(_tx, events, tables) {
    for (const e of events) {
      await sql.query(
        `insert into ${tables.play_tally} (track_id, plays) values ($1, 1) on conflict (track_id) do update set plays = ${tables.play_tally}.plays + 1`,
        [String(e.data.trackId)],
      );
    }
  },
});

describe('projections: the replay property catches a projection that is not crash-safe (Postgres server + Redis)', () => {
  const backend = serverBackend();
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('fails for a projection that writes outside its batch transaction', async () => {
    const result = await fc.check(
      // Plays, and every life crashes somewhere in its first batches.
      fc.asyncProperty(scenario(listeningIntents(30), { min: 2, max: 4 }, fc.record({ among: fc.constant('statements' as const), n: fc.integer({ min: 1, max: 60 }), when })), (s) =>
        replayWithCrashes(backend, (sql) => [writesOutsideItsTransaction(sql)], s),
      ),
      { numRuns: 30, endOnFailure: true },
    );
    expect(result.failed, 'the property should fail for a projection that double-applies after a crash').toBe(true);
  });
});

