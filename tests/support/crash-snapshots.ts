/**
 * Full contents of read models, to compare two generations of a projection after crashes: every
 * row of every physical table (SQL), every key of a generation's key space with its value,
 * sorted-set members and scores, and expiry (cache: Redis, or the in-process cache read through a
 * test-only accessor). Differences come back as readable lines for assertion messages.
 */
import { Redis } from 'ioredis';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { cacheKeyPrefix, physicalTable, type CacheProjection, type SqlProjection } from '../../projections/projection.js';

/** A cache key as stored: its type, value (string, or sorted set as "member score" lines) and expiry. */
export interface CacheEntry {
  type: 'string' | 'zset';
  value: string | Array<[member: string, score: number]>;
  /** Unix milliseconds; null when the key does not expire. */
  expiresAtMs: number | null;
}

/** Keys of one generation's key space, by suffix (the generation's prefix cut off). */
export type CacheDump = Map<string, CacheEntry>;

/** The runner's own bookkeeping under the key space (the checkpoint guard), not read-model data. */
export const CHECKPOINT_SUFFIX = 'checkpoint';

/** Every row of a table, ordered by all its columns, each as JSON (dates as ISO-8601). */
export async function tableRows(sql: SqlExecutor, table: string): Promise<string[]> {
  const columns = await sql.query<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
    [table],
  );
  if (columns.length === 0) throw new Error(`table ${table} does not exist`);
  const order = columns.map((c) => `"${c.column_name}"`).join(', ');
  const rows = await sql.query(`select * from ${table} order by ${order}`);
  return rows.map((row) => JSON.stringify(row));
}

/** What differs between two multisets of lines: those only in `a`, those only in `b`. */
export function multisetDiff(a: readonly string[], b: readonly string[]): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>();
  for (const line of a) counts.set(line, (counts.get(line) ?? 0) + 1);
  const onlyB: string[] = [];
  for (const line of b) {
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else onlyB.push(line);
  }
  const onlyA = a.filter((line) => {
    const n = counts.get(line) ?? 0;
    if (n === 0) return false;
    counts.set(line, n - 1);
    return true;
  });
  return { onlyA, onlyB };
}

const SHOWN = 12;
const listed = (lines: readonly string[]) => [...lines.slice(0, SHOWN).map((l) => `      ${l}`), ...(lines.length > SHOWN ? [`      ... and ${lines.length - SHOWN} more`] : [])];

/**
 * Compares every physical table of two generations of a SQL projection; one paragraph per table
 * that differs (empty when they are equal).
 */
export async function diffSqlGenerations(
  sql: SqlExecutor,
  projection: SqlProjection,
  a: { generation: number; label: string },
  b: { generation: number; label: string },
): Promise<string[]> {
  const problems: string[] = [];
  for (const logical of Object.keys(projection.tables)) {
    const ta = physicalTable(logical, a.generation);
    const tb = physicalTable(logical, b.generation);
    const { onlyA, onlyB } = multisetDiff(await tableRows(sql, ta), await tableRows(sql, tb));
    if (onlyA.length === 0 && onlyB.length === 0) continue;
    problems.push(
      [
        `  ${projection.name}: table ${logical} differs (${ta} = ${a.label}, ${tb} = ${b.label})`,
        `    rows only in ${a.label} (${onlyA.length}):`,
        ...listed(onlyA),
        `    rows only in ${b.label} (${onlyB.length}):`,
        ...listed(onlyB),
      ].join('\n'),
    );
  }
  return problems;
}

const entryText = (entry: CacheEntry) =>
  `${entry.type} ${typeof entry.value === 'string' ? JSON.stringify(entry.value) : entry.value.map(([m, s]) => `${s} ${m}`).join(' | ')}` +
  ` expires ${entry.expiresAtMs === null ? 'never' : new Date(entry.expiresAtMs).toISOString()}`;

/** Compares two generations' keys of a cache projection (the checkpoint guard apart). */
export function diffCacheDumps(projection: CacheProjection, a: { dump: CacheDump; label: string }, b: { dump: CacheDump; label: string }): string[] {
  const lines: string[] = [];
  const suffixes = [...new Set([...a.dump.keys(), ...b.dump.keys()])].filter((s) => s !== CHECKPOINT_SUFFIX).sort();
  for (const suffix of suffixes) {
    const x = a.dump.get(suffix);
    const y = b.dump.get(suffix);
    const tx = x ? entryText(x) : 'absent';
    const ty = y ? entryText(y) : 'absent';
    if (tx !== ty) lines.push(`    key ${suffix}:\n      ${a.label}: ${tx}\n      ${b.label}: ${ty}`);
  }
  if (lines.length === 0) return [];
  return [`  ${projection.name}: ${lines.length} key(s) differ\n${lines.slice(0, SHOWN).join('\n')}${lines.length > SHOWN ? `\n    ... and ${lines.length - SHOWN} more` : ''}`];
}

const byMember = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * The in-process cache with a test-only accessor: reads its private maps to list a key space.
 * Expired keys are left out, as every read of the cache would.
 */
export class InspectableMemoryCache extends MemoryCache {
  private readonly clock: () => number;

  constructor(now: () => number = Date.now) {
    super(now);
    this.clock = now;
  }

  dump(prefix: string): CacheDump {
    const inside = this as unknown as {
      data: Map<string, { kind: 'string'; value: string } | { kind: 'zset'; members: Map<string, number> }>;
      expiries: Map<string, number>;
    };
    const out: CacheDump = new Map();
    for (const [key, value] of inside.data) {
      if (!key.startsWith(prefix)) continue;
      const expiry = inside.expiries.get(key);
      if (expiry !== undefined && expiry <= this.clock()) continue;
      out.set(key.slice(prefix.length), {
        type: value.kind,
        value: value.kind === 'string' ? value.value : [...value.members].sort(byMember),
        expiresAtMs: expiry ?? null,
      });
    }
    return out;
  }
}

/** Lists a generation's key space on Redis (`redisPrefix` is the test's ioredis keyPrefix). */
export async function dumpRedis(url: string, redisPrefix: string, projectionName: string, generation: number): Promise<CacheDump> {
  const prefix = redisPrefix + cacheKeyPrefix(projectionName, generation);
  const admin = new Redis(url, { maxRetriesPerRequest: 2 });
  const out: CacheDump = new Map();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await admin.type(key);
        const expiresAt = Number(await admin.call('pexpiretime', key));
        if (type === 'none' || expiresAt === -2) continue;
        let entry: CacheEntry;
        if (type === 'string') {
          entry = { type, value: (await admin.get(key)) ?? '', expiresAtMs: null };
        } else if (type === 'zset') {
          const flat = await admin.zrange(key, 0, -1, 'WITHSCORES');
          const members: Array<[string, number]> = [];
          for (let i = 0; i + 1 < flat.length; i += 2) members.push([flat[i]!, Number(flat[i + 1])]);
          entry = { type, value: members.sort(byMember), expiresAtMs: null };
        } else {
          throw new Error(`unexpected ${type} at ${key}: the read models write strings and sorted sets only`);
        }
        entry.expiresAtMs = expiresAt === -1 ? null : expiresAt;
        out.set(key.slice(prefix.length), entry);
      }
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
  return out;
}
