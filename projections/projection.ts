/**
 * A projection turns events into a read model: `{ name, version, handles, apply }`, one case per
 * event type. Bump `version` whenever `apply` or the tables change: a new generation of the read
 * model is then built beside the old one, which serves until the new one has caught up.
 */
import type { RecordedEvent } from '../gateways/event-store/port.js';
import type { CacheWriter } from '../gateways/redis/port.js';
import type { SqlExecutor } from '../gateways/sql/port.js';

/** A read model in Postgres: its rows change in the same transaction as its checkpoint. */
export interface SqlProjection {
  readonly kind: 'sql';
  readonly name: string;
  readonly version: number;
  readonly handles: readonly string[];
  /**
   * The tables, by logical name, each with the DDL that creates it under a physical name (the
   * logical name plus a generation suffix). Queries read views named by the logical names, which
   * point at the active generation. Name indexes after the physical table.
   */
  readonly tables: Readonly<Record<string, (table: string) => string>>;
  /** Applies a batch of events, in order, writing only to `tables` (logical -> physical name). */
  apply(tx: SqlExecutor, events: readonly RecordedEvent[], tables: Readonly<Record<string, string>>): Promise<void>;
}

/**
 * A read model in the cache (Redis): writes are queued and committed with the checkpoint in one
 * MULTI/EXEC, so `apply` cannot read; it writes only under `key(...)`, which prefixes the
 * generation's key space.
 */
export interface CacheProjection {
  readonly kind: 'cache';
  readonly name: string;
  readonly version: number;
  readonly handles: readonly string[];
  apply(writer: CacheWriter, events: readonly RecordedEvent[], key: (suffix: string) => string): void;
}

export type Projection = SqlProjection | CacheProjection;

/** Physical table of a generation. */
export const physicalTable = (logical: string, generation: number) => `${logical}_g${generation}`;

/** Key space of a cache projection's generation. */
export const cacheKeyPrefix = (name: string, generation: number) => `chorus:rm:${name}:g${generation}:`;
