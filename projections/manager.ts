/**
 * Keeps every projection running in this process: the active generation, and a new generation
 * being built beside it when the projection's version changed or a rebuild was asked for. When
 * the new one has caught up with the head of the store it becomes active (views switch in one
 * transaction) and the old one is dropped. It watches the registry, so a rebuild started by the
 * CLI or by another node is picked up.
 */
import type { Logger } from 'pino';
import type { EventStore, Position } from '../gateways/event-store/port.js';
import type { Cache } from '../gateways/cache/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import { countPoison } from './poison.js';
import { cacheKeyPrefix, type Projection } from './projection.js';
import { activateGeneration, createGeneration, dropRetired, ensureRegistry, listGenerations, type Generation } from './registry.js';
import { SqlCommitGroup } from './commit-group.js';
import type { MirroredRunners } from './mirrored-runners.js';
import { RemoteCheckpoints } from './remote-checkpoints.js';
import { ProjectionRunner, type RunnerStatus } from './runner.js';

export interface ProjectionsDeps {
  store: EventStore;
  sql: SqlClient;
  cache: Cache;
  logger: Logger;
  batchSize?: number;
  /** How often the registry is re-read for changes made elsewhere (default 2 s). */
  pollMs?: number;
  /** How long a retired generation is kept before it is dropped (default 10 s). */
  retiredGraceMs?: number;
  /**
   * Set when the runners run in another thread of this process, which reports their statuses
   * here (app/projections-thread.ts): this instance then runs none and creates or drops no
   * generation; it follows the registry and answers queries and waits from the mirror.
   */
  mirror?: MirroredRunners;
  /** Told every change of a runner's status (the projections thread reports them to the main thread). */
  onStatus?: (status: RunnerStatus) => void;
  /** Told when a building generation has caught up and now serves queries. */
  onActivated?: (name: string, generation: number) => void;
}

export interface ProjectionStatus {
  name: string;
  kind: Projection['kind'];
  version: number;
  generations: Array<Generation & { runner?: RunnerStatus; /** Poison events skipped (stored count). */ poisoned: number }>;
}

/** Thrown by waitFor's callers' helper when projections have not caught up in time. */
export class ProjectionsBehindError extends Error {
  override readonly name = 'ProjectionsBehindError';
  readonly code = 'PROJECTIONS_BEHIND';
  constructor(readonly projections: string[], readonly position: Position, timeoutMs: number) {
    super(`read models ${projections.join(', ')} have not reached position ${position} within ${timeoutMs} ms; retry shortly`);
  }
}

export class Projections {
  private readonly byName: Map<string, Projection>;
  private readonly runners = new Map<string, ProjectionRunner>();
  private readonly activeGeneration = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private readonly activating = new Set<string>();
  private stopped = false;
  /** One transaction for the batches that the SQL runners of this process commit at the same time. */
  private readonly commits: SqlCommitGroup;
  /** The checkpoints of projections run elsewhere, for the callers waiting on them. */
  private readonly remote: RemoteCheckpoints;

  constructor(
    private readonly deps: ProjectionsDeps,
    projections: readonly Projection[],
  ) {
    this.byName = new Map(projections.map((p) => [p.name, p]));
    this.commits = new SqlCommitGroup(deps.sql);
    this.remote = new RemoteCheckpoints(deps.sql, (a, b) => deps.store.comparePositions(a, b));
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  async start(): Promise<void> {
    await ensureRegistry(this.deps.sql);
    await this.reconcile();
    const poll = () => {
      this.pollTimer = setTimeout(() => {
        this.reconcile()
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'projections: could not read the registry'))
          .finally(() => {
            if (!this.stopped) poll();
          });
      }, this.deps.pollMs ?? 2_000);
    };
    poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    await this.reconciling.catch(() => undefined);
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /** The generation whose tables (views) or keys serve queries. */
  activeGenerationOf(name: string): number | undefined {
    return this.activeGeneration.get(name);
  }

  /** The key prefix queries of a cache projection read under. */
  cacheKeys(name: string): (suffix: string) => string {
    const generation = this.activeGeneration.get(name);
    if (generation === undefined) throw new Error(`projection ${name} has no active generation`);
    const prefix = cacheKeyPrefix(name, generation);
    return (suffix) => prefix + suffix;
  }

  /**
   * Resolves once the active generations of `names` reflect everything up to `position`; rejects
   * with ProjectionsBehindError after `timeoutMs`.
   */
  async waitFor(names: readonly string[], position: Position, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const behind: string[] = [];
    for (const name of names) {
      const ok = await this.waitForOne(name, position, Math.max(deadline - Date.now(), 0));
      if (!ok) behind.push(name);
    }
    if (behind.length > 0) throw new ProjectionsBehindError(behind, position, timeoutMs);
  }

  private async waitForOne(name: string, position: Position, timeoutMs: number): Promise<boolean> {
    const generation = this.activeGeneration.get(name);
    const runner = generation === undefined ? undefined : this.runners.get(key(name, generation));
    const state = runner?.status().state;
    if (runner && state === 'running') return runner.waitFor(position, timeoutMs);
    if (runner && (state === 'starting' || state === 'waiting-for-lock')) {
      // Not running yet: it answers once it has the lock, unless another process runs it meanwhile.
      return firstTrue([runner.waitFor(position, timeoutMs), this.remote.wait(name, position, timeoutMs)]);
    }
    const mirror = this.deps.mirror;
    if (generation !== undefined && mirror?.running(name, generation)) return mirror.waitFor(name, generation, position, timeoutMs);
    // Served by a runner in another process: watch its stored checkpoint.
    return this.remote.wait(name, position, timeoutMs);
  }

  /**
   * How far the read models `names` have got (the least of them): what a query answering from
   * them reflects at least. Undefined while one of them has processed nothing.
   */
  async processed(names: readonly string[]): Promise<Position | undefined> {
    let least: Position | undefined;
    for (const name of names) {
      const position =
        this.runnerStatus(name)?.processed ?? (await listGenerations(this.deps.sql, name)).find((g) => g.status === 'active')?.checkpoint ?? undefined;
      if (!position) return undefined;
      if (least === undefined || this.deps.store.comparePositions(position, least) < 0) least = position;
    }
    return least;
  }

  /**
   * Changes when the read model `name` changes (and not when it merely passes events it does not
   * handle): a key for caches of its answers.
   */
  async contentVersion(name: string): Promise<string> {
    const generation = this.activeGeneration.get(name);
    const local = this.runnerStatus(name);
    if (local?.state === 'running') return `g${generation}:${local.lastApplied ?? 'as-started'}:${local.eventsApplied}`;
    const active = (await listGenerations(this.deps.sql, name)).find((g) => g.status === 'active');
    return `g${active?.generation}:stored:${active?.eventsApplied ?? 0}`;
  }

  async status(): Promise<ProjectionStatus[]> {
    const generations = await listGenerations(this.deps.sql);
    const poisoned = await countPoison(this.deps.sql);
    return [...this.byName.values()].map((p) => ({
      name: p.name,
      kind: p.kind,
      version: p.version,
      generations: generations
        .filter((g) => g.name === p.name)
        .map((g) => {
          const runner = this.runnerStatus(p.name, g.generation);
          const counted = { ...g, poisoned: poisoned.get(key(p.name, g.generation)) ?? 0 };
          return runner ? { ...counted, runner } : counted;
        }),
    }));
  }

  /** The status of the runner of `generation` (the active one by default), here or in the projections thread. */
  private runnerStatus(name: string, generation = this.activeGeneration.get(name)): RunnerStatus | undefined {
    if (generation === undefined) return undefined;
    return this.runners.get(key(name, generation))?.status() ?? this.deps.mirror?.status(name, generation);
  }

  /** Runs a registry pass now (also done every pollMs). */
  reconcile(): Promise<void> {
    const run = this.reconciling.then(() => this.reconcileNow());
    this.reconciling = run.catch(() => undefined);
    return run;
  }

  private async reconcileNow(): Promise<void> {
    if (this.stopped) return;
    const all = await listGenerations(this.deps.sql);
    for (const projection of this.byName.values()) {
      let generations = all.filter((g) => g.name === projection.name);
      if (this.deps.mirror) {
        // The projections thread runs, creates and drops generations; this instance follows.
        const active = generations.find((g) => g.status === 'active');
        if (active) this.activeGeneration.set(projection.name, active.generation);
        continue;
      }
      const current = (g: Generation) => g.version === projection.version;
      if (!generations.some((g) => g.status === 'active') || !generations.some((g) => g.status !== 'retired' && current(g))) {
        const created = await createGeneration(this.deps.sql, projection);
        this.deps.logger.info(
          { projection: projection.name, generation: created.generation, version: projection.version, status: created.status },
          created.status === 'active' ? 'projection: created' : 'projection: version changed; building a new generation beside the active one',
        );
        generations = await listGenerations(this.deps.sql, projection.name);
      }
      const active = generations.find((g) => g.status === 'active')!;
      this.activeGeneration.set(projection.name, active.generation);
      const wanted = generations.filter((g) => g.status !== 'retired' && current(g));
      for (const g of wanted) this.ensureRunner(projection, g);
      for (const [k, runner] of this.runners) {
        if (runner.projection.name !== projection.name) continue;
        if (!wanted.some((g) => key(projection.name, g.generation) === k)) {
          this.runners.delete(k);
          await runner.stop();
        }
      }
      if (generations.some((g) => g.status === 'retired')) await this.dropRetired(projection);
    }
  }

  private ensureRunner(projection: Projection, generation: Generation): void {
    const k = key(projection.name, generation.generation);
    if (this.runners.has(k)) return;
    const runner = new ProjectionRunner({ ...this.deps, commits: this.commits }, projection, generation.generation);
    if (generation.status === 'building') runner.onAdvance = (processed) => this.maybeActivate(projection, generation.generation, processed);
    this.runners.set(k, runner);
    runner.start();
  }

  /** A building generation that has reached the head becomes active. */
  private maybeActivate(projection: Projection, generation: number, processed: Position): void {
    const k = key(projection.name, generation);
    if (this.activating.has(k)) return;
    this.activating.add(k);
    void (async () => {
      try {
        if (!(await caughtUp(this.deps, projection, processed))) return;
        await activateGeneration(this.deps.sql, projection, generation);
        this.activeGeneration.set(projection.name, generation);
        this.deps.onActivated?.(projection.name, generation);
        this.deps.logger.info({ projection: projection.name, generation }, 'projection: new generation caught up and now serves queries');
        await this.reconcile();
      } catch (error) {
        this.deps.logger.warn({ err: error, projection: projection.name, generation }, 'projection: could not switch generations');
      } finally {
        this.activating.delete(k);
      }
    })();
  }

  private async dropRetired(projection: Projection): Promise<void> {
    await dropRetiredGenerations(this.deps, projection, this.deps.retiredGraceMs ?? 10_000);
  }
}

const key = (name: string, generation: number) => `${name}#${generation}`;

/** True as soon as one of `waits` is; false once all are false. */
function firstTrue(waits: ReadonlyArray<Promise<boolean>>): Promise<boolean> {
  return new Promise((resolve) => {
    let pending = waits.length;
    for (const wait of waits) {
      void wait.then((ok) => {
        pending -= 1;
        if (ok || pending === 0) resolve(ok);
      });
    }
  });
}

export interface RebuildProgress {
  generation: number;
  processed: Position | null;
  head: Position;
  eventsApplied: number;
  eventsPerSecond: number;
}

/**
 * Builds a new generation of `projection` from the start of the store in this process, reporting
 * progress, and makes it active once it has caught up with the head. The generation it replaces
 * is retired; runners elsewhere notice and switch, and its tables are dropped after the grace.
 */
export async function rebuildProjection(
  deps: ProjectionsDeps,
  projection: Projection,
  onProgress: (progress: RebuildProgress) => void = () => undefined,
  progressEveryMs = 1_000,
): Promise<Generation> {
  await ensureRegistry(deps.sql);
  const generation = await createGeneration(deps.sql, projection);
  const runner = new ProjectionRunner(deps, projection, generation.generation);
  const started = Date.now();
  let reported = 0;
  runner.start();
  try {
    for (;;) {
      const head = await deps.store.headPosition();
      const status = runner.status();
      if (status.state === 'failed') throw new Error(`rebuild of ${projection.name} failed: ${status.error}`);
      let { processed, eventsApplied } = status;
      let done = processed !== null && (await caughtUp(deps, projection, processed));
      if (status.state === 'waiting-for-lock') {
        // A running server took the new generation first (it runs building generations too): follow
        // its progress in the registry; it switches to the generation itself once caught up.
        const stored = (await listGenerations(deps.sql, projection.name)).find((g) => g.generation === generation.generation);
        processed = stored?.checkpoint ?? null;
        eventsApplied = stored?.eventsApplied ?? 0;
        done = stored?.status === 'active' || (processed !== null && (await caughtUp(deps, projection, processed)));
      }
      if (done || Date.now() - reported >= progressEveryMs) {
        reported = Date.now();
        const seconds = Math.max((reported - started) / 1000, 0.001);
        onProgress({ generation: generation.generation, processed, head, eventsApplied, eventsPerSecond: eventsApplied / seconds });
      }
      if (done) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await runner.stop();
  }
  if (generation.status === 'building') await activateGeneration(deps.sql, projection, generation.generation);
  await dropRetiredGenerations(deps, projection, deps.retiredGraceMs ?? 10_000);
  return { ...generation, status: 'active' };
}

/** Drops generations retired at least `graceMs` ago: their tables, or their cache keys. */
async function dropRetiredGenerations(deps: ProjectionsDeps, projection: Projection, graceMs: number): Promise<void> {
  const retired = await dropRetired(deps.sql, projection, graceMs);
  for (const g of retired) {
    if (projection.kind === 'cache') await deps.cache.deleteByPrefix(cacheKeyPrefix(projection.name, g.generation));
    deps.logger.info({ projection: projection.name, generation: g.generation }, 'projection: old generation dropped');
  }
}

/**
 * A new generation may take over once it has reached the head of the store and also the active
 * generation's checkpoint: while an old transaction holds the visible head back, the active one
 * may have read further, and switching then would make answers go back in time.
 */
async function caughtUp(deps: ProjectionsDeps, projection: Projection, processed: Position): Promise<boolean> {
  const head = await deps.store.headPosition();
  if (deps.store.comparePositions(processed, head) < 0) return false;
  const active = (await listGenerations(deps.sql, projection.name)).find((g) => g.status === 'active');
  return !active?.checkpoint || deps.store.comparePositions(processed, active.checkpoint) >= 0;
}
