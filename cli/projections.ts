/**
 * `chorus projections status` and `chorus projections rebuild <name>`: the generations of every
 * projection the code defines, how far each is behind the head of the store, and a rebuild into a
 * new generation that serves queries once it has caught up.
 */
import type { EventStore, Position } from '../gateways/event-store/port.js';
import { START } from '../gateways/event-store/position.js';
import type { Cache } from '../gateways/cache/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import { rebuildProjection, type RebuildProgress } from '../projections/manager.js';
import { listPoison, type PoisonRecord } from '../projections/poison.js';
import { cacheKeyPrefix, type Projection } from '../projections/projection.js';
import { listGenerations, type Generation } from '../projections/registry.js';
import { CliFailure, EXIT_OK, UsageError, noPositionals, parse } from './args.js';
import { signalExitCode, withStorage, type CliContext, type CliStorage as Storage } from './context.js';
import { ProgressReporter, count } from './output.js';

export const PROJECTIONS_HELP = `Usage: chorus projections status [--json]
       chorus projections rebuild <name>

status   every projection: its kind, the version of its code, and its generations (status,
         version, checkpoint, events applied, error) with their lag behind the store's head,
         and the poison events each skipped (events it could not apply, with why).
         --json prints one JSON document instead of a table.
rebuild  builds a new generation of <name> from the first event, in this process, with progress
         on stderr; it serves queries once it has caught up (running servers switch to it), and
         the new generation is printed on stdout as one JSON line.

Exit codes: 0 done, 1 failure, 2 usage error (e.g. an unknown projection name).`;

/** Counting the events behind a checkpoint stops here: past it, "at least" is enough. */
export const COUNT_CAP = 100_000;

export interface GenerationStatus extends Generation {
  /** The checkpoint shown: the cache's own for a cache projection on Redis, else the registry's. */
  checkpointSource: 'registry' | 'cache' | 'registry-copy';
  lag: {
    atHead: boolean;
    /** Events stored after the checkpoint (null when counting is not cheap, e.g. on EventStoreDB). */
    eventsBehind: number | null;
    /** eventsBehind is a lower bound: counting stopped at COUNT_CAP. */
    eventsBehindCapped: boolean;
  };
  /** Events this generation could not apply and skipped. */
  poison: PoisonRecord[];
}

export interface ProjectionReport {
  name: string;
  kind: Projection['kind'];
  /** The version of the projection's code; a generation of another version is being replaced. */
  codeVersion: number;
  generations: GenerationStatus[];
}

export interface StatusReport {
  head: Position;
  projections: ProjectionReport[];
}

export async function projectionsStatusCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('projections status', args, { json: { type: 'boolean', default: false } });
  noPositionals('projections status', positionals);
  const report = await withStorage(ctx, (storage) => statusReport(ctx, storage, cacheOf(ctx, storage)));
  ctx.stdout.write(values.json ? `${JSON.stringify(report)}\n` : renderTable(report));
  return EXIT_OK;
}

async function statusReport(ctx: CliContext, storage: Storage, cache: Cache | undefined): Promise<StatusReport> {
  const head = await storage.events.headPosition();
  const registered = await registryExists(storage.sql);
  const generations = registered ? await listGenerations(storage.sql) : [];
  const poison = registered ? await listPoison(storage.sql) : [];
  const projections: ProjectionReport[] = [];
  for (const projection of ctx.projections) {
    const rows: GenerationStatus[] = [];
    for (const g of generations.filter((row) => row.name === projection.name)) {
      let checkpoint = g.checkpoint;
      let checkpointSource: GenerationStatus['checkpointSource'] = 'registry';
      if (projection.kind === 'cache') {
        if (cache) {
          checkpoint = await cache.get(`${cacheKeyPrefix(projection.name, g.generation)}checkpoint`);
          checkpointSource = 'cache';
        } else {
          checkpointSource = 'registry-copy';
        }
      }
      const skipped = poison.filter((r) => r.name === g.name && r.generation === g.generation);
      rows.push({ ...g, checkpoint, checkpointSource, lag: await lag(storage, checkpoint, head), poison: skipped });
    }
    projections.push({ name: projection.name, kind: projection.kind, codeVersion: projection.version, generations: rows });
  }
  return { head, projections };
}

async function registryExists(sql: SqlClient): Promise<boolean> {
  const [row] = await sql.query<{ exists: boolean }>(
    `select to_regclass('projection_generations') is not null and to_regclass('projection_poison_events') is not null as exists`,
  );
  return row?.exists === true;
}

async function lag(storage: Storage, checkpoint: Position | null, head: Position): Promise<GenerationStatus['lag']> {
  const store: EventStore = storage.events;
  const atHead = store.comparePositions(checkpoint ?? START, head) >= 0;
  if (atHead) return { atHead, eventsBehind: 0, eventsBehindCapped: false };
  const n = await store.countAfter(checkpoint ?? START, COUNT_CAP);
  return { atHead, eventsBehind: n, eventsBehindCapped: n !== null && n >= COUNT_CAP };
}

function renderTable(report: StatusReport): string {
  const header = ['NAME', 'KIND', 'CODE V', 'GEN', 'STATUS', 'V', 'CHECKPOINT', 'APPLIED', 'LAG', 'SKIPPED', 'ERROR'];
  const rows: string[][] = [];
  for (const p of report.projections) {
    if (p.generations.length === 0) {
      rows.push([p.name, p.kind, String(p.codeVersion), '-', 'not started', '-', '-', '-', '-', '-', 'no generation yet: a server builds it when it starts']);
      continue;
    }
    for (const [i, g] of p.generations.entries()) {
      const checkpoint = (g.checkpoint ?? 'start') + (g.checkpointSource === 'registry-copy' ? ' (copy)' : '');
      const lagText = g.lag.atHead
        ? 'at head'
        : g.lag.eventsBehind === null
          ? 'behind'
          : `${g.lag.eventsBehindCapped ? '>= ' : ''}${count(g.lag.eventsBehind)} behind`;
      const error = g.error ? `${g.error}${g.errorEvent ? ` (at ${g.errorEvent})` : ''}` : g.version !== p.codeVersion && g.status === 'active' ? 'old version: being replaced' : '';
      rows.push([
        i === 0 ? p.name : '',
        i === 0 ? p.kind : '',
        i === 0 ? String(p.codeVersion) : '',
        String(g.generation),
        g.status,
        String(g.version),
        checkpoint,
        count(g.eventsApplied),
        lagText,
        String(g.poison.length),
        error,
      ]);
    }
  }
  const lines = [`store head: ${report.head}`];
  if (report.projections.length === 0) return `${lines[0]}\nno projections are defined\n`;
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  for (const r of [header, ...rows]) lines.push(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  for (const p of report.projections) {
    for (const g of p.generations) {
      for (const r of g.poison) lines.push(`skipped by ${p.name} g${g.generation}: ${r.eventType} ${r.eventId} in ${r.stream} at ${r.position}: ${r.summary} (${r.detail})`);
    }
  }
  if (report.projections.some((p) => p.kind === 'cache' && p.generations.some((g) => g.checkpointSource === 'registry-copy'))) {
    lines.push('(copy): the cache lives in the server process (no REDIS_URL); the registry keeps a copy of its checkpoint.');
  }
  return `${lines.join('\n')}\n`;
}

export async function projectionsRebuildCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parse('projections rebuild', args, {});
  const names = ctx.projections.map((p) => p.name);
  const valid = names.length > 0 ? `valid names: ${names.join(', ')}` : 'no projections are defined';
  if (positionals.length !== 1) throw new UsageError(`projections rebuild: expected one projection name (${valid})`);
  const name = positionals[0]!;
  const projection = ctx.projections.find((p) => p.name === name);
  if (!projection) throw new UsageError(`projections rebuild: unknown projection ${JSON.stringify(name)} (${valid})`);
  if (projection.kind === 'cache' && !ctx.settings.redis && !ctx.cache) {
    throw new UsageError(
      `projections rebuild: ${name} is a cache projection, and without REDIS_URL its cache lives in the memory of the ` +
        'Chorus server (embedded mode), out of reach of this command; the server rebuilds it from the event store on every start, so restart the server instead',
    );
  }
  return withStorage(ctx, async (storage) => {
    const cache = cacheOf(ctx, storage) ?? storage.cache;
    const started = Date.now();
    let last: RebuildProgress | undefined;
    const progress = new ProgressReporter(ctx.stderr, () => describeProgress(name, last, started));
    const rebuild = rebuildProjection(
      { store: storage.events, sql: storage.sql, cache, logger: ctx.logger },
      projection,
      (p) => {
        last = p;
        progress.print();
      },
      2_000,
    );
    const interrupted = new Promise<'interrupted'>((resolve) => {
      if (ctx.signal.aborted) resolve('interrupted');
      ctx.signal.addEventListener('abort', () => resolve('interrupted'), { once: true });
    });
    let outcome: Generation | 'interrupted';
    try {
      outcome = await Promise.race([rebuild, interrupted]);
    } catch (error) {
      throw new CliFailure(error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      progress.stop();
    }
    if (outcome === 'interrupted') {
      rebuild.catch(() => undefined);
      ctx.stderr.write(
        `chorus projections rebuild: interrupted; generation ${last?.generation ?? '?'} of ${name} stays "building": ` +
          'a running server finishes it and switches to it, or run the rebuild again\n',
      );
      return signalExitCode(ctx.signal);
    }
    const generation = (await listGenerations(storage.sql, name)).find((g) => g.generation === outcome.generation) ?? outcome;
    ctx.stdout.write(`${JSON.stringify(generation)}\n`);
    return EXIT_OK;
  });
}

function describeProgress(name: string, p: RebuildProgress | undefined, started: number): string {
  if (!p) return `chorus projections rebuild ${name}: starting (${count((Date.now() - started) / 1000)} s)`;
  return (
    `chorus projections rebuild ${name} (generation ${p.generation}): ${count(p.eventsApplied)} events applied, ` +
    `${count(p.eventsPerSecond)} events/s, at ${p.processed ?? 'start'} of head ${p.head}`
  );
}

/** The cache a command reads and writes: the one given to the CLI (tests), else Redis (REDIS_URL), else none. */
function cacheOf(ctx: CliContext, storage: Storage): Cache | undefined {
  return ctx.cache ?? (ctx.settings.redis ? storage.cache : undefined);
}
