/**
 * A projection turns events into a read model: `{ name, version, handles, apply }`, one case per
 * event type. Bump `version` whenever `apply` or the tables change: a new generation of the read
 * model is then built beside the old one, which serves until the new one has caught up.
 *
 * Projections are typed by the domain's event unions: `SqlProjection<E>` reads the events `E` (a
 * union of `DomainEvent`s, or a named part of one), `handles` comes from `eventTypes<E>` (which must
 * name every type of `E`), and `apply` switches over `event.type` exhaustively, ending in
 * `assertNever`. A type added to a domain union is then a compile error in every projection that
 * reads that union, never an event ignored silently. A projection that leaves some types of a
 * union out names them: `Exclude<PlaylistEvent, PlaylistCompacted>`.
 *
 * The runner holds projections erased to plain `RecordedEvent`s (`Projection`); `sqlProjection` /
 * `cacheProjection` erase a typed one, checking on the way in that each event delivered is of a
 * type it handles (the store filters on `handles`, so this never fails unless a store does).
 */
import type { DomainEvent } from '../domain/shared/decider.js';
import type { RecordedEvent } from '../gateways/event-store/port.js';
import type { CacheWriter } from '../gateways/cache/port.js';
import type { SqlExecutor } from '../gateways/sql/port.js';

/**
 * A stored event of the union `E`: the envelope, with `type` and `data` narrowed together (a
 * switch on `type` narrows `data`). `Recorded<RecordedEvent>` is a plain `RecordedEvent`.
 */
export type Recorded<E extends DomainEvent> = E extends DomainEvent ? Omit<RecordedEvent, 'type' | 'data'> & { type: E['type']; data: E['data'] } : never;

/**
 * Every type of the union `E`, from a record that names each of them: a type added to `E` and
 * missing here is a compile error.
 */
export function eventTypes<E extends DomainEvent>(types: { readonly [T in E['type']]: true }): readonly E['type'][] {
  return Object.keys(types) as E['type'][];
}

/** How often a projection commits at the head. */
export interface CommitPacing {
  /**
   * The least time between the starts of two of its commits while it keeps up with the head
   * (default 0: each wake-up's events commit as soon as the previous commit is done). A busy
   * projection that nobody waits on first can gather a few wake-ups per commit, which spares the
   * database and the node for the projections that set the lag; each of its events may wait up to
   * this long more. Catching up (a full batch pending) is never held back.
   */
  readonly minCommitIntervalMs?: number;
}

/** A read model in Postgres: its rows change in the same transaction as its checkpoint. */
export interface SqlProjection<E extends DomainEvent = RecordedEvent> extends CommitPacing {
  readonly kind: 'sql';
  readonly name: string;
  readonly version: number;
  readonly handles: readonly E['type'][];
  /**
   * The tables, by logical name, each with the DDL that creates it under a physical name (the
   * logical name plus a generation suffix). Queries read views named by the logical names, which
   * point at the active generation. Name indexes after the physical table.
   */
  readonly tables: Readonly<Record<string, (table: string) => string>>;
  /** Applies a batch of events, in order, writing only to `tables` (logical -> physical name). */
  apply(tx: SqlExecutor, events: readonly Recorded<E>[], tables: Readonly<Record<string, string>>): Promise<void>;
}

/**
 * A read model in the cache (Redis): writes are queued and committed with the checkpoint in one
 * atomic step (a script on Redis), so `apply` cannot read; it writes only under `key(...)`, which prefixes the
 * generation's key space.
 */
export interface CacheProjection<E extends DomainEvent = RecordedEvent> extends CommitPacing {
  readonly kind: 'cache';
  readonly name: string;
  readonly version: number;
  readonly handles: readonly E['type'][];
  apply(writer: CacheWriter, events: readonly Recorded<E>[], key: (suffix: string) => string): void;
}

/** A projection as the runner holds it: over plain recorded events. */
export type Projection = SqlProjection | CacheProjection;

/** Raised when a projection is handed an event of a type it does not handle (a store that ignored the filter). */
export class UnhandledEventError extends Error {
  override readonly name = 'UnhandledEventError';
}

/**
 * The events of a batch as members of `E`, once each one's type is checked against `handles`:
 * the one place where stored data is taken for what its type says (the deciders wrote it).
 */
function narrow<E extends DomainEvent>(name: string, handles: ReadonlySet<string>, events: readonly RecordedEvent[]): readonly Recorded<E>[] {
  return events.map((event) => {
    const member = memberOf<E>(event, handles);
    if (!member) throw new UnhandledEventError(`projection ${name} does not handle ${event.type} (event ${event.id})`);
    return member;
  });
}

/**
 * `event` as a member of `E` when its type is one of `types` (a set made from `eventTypes<E>`);
 * undefined otherwise. For readers of `$all` that are not run as projections (the recommendation
 * model): the type is checked, the data is taken for what its type says.
 */
export function memberOf<E extends DomainEvent>(event: RecordedEvent, types: ReadonlySet<string>): Recorded<E> | undefined {
  return types.has(event.type) ? (event as unknown as Recorded<E>) : undefined;
}

/** A typed SQL projection, for the runner. */
export function sqlProjection<E extends DomainEvent>(projection: SqlProjection<E>): SqlProjection {
  const handles = new Set<string>(projection.handles);
  return {
    ...projection,
    apply: (tx, events, tables) => projection.apply(tx, narrow<E>(projection.name, handles, events), tables),
  };
}

/** A typed cache projection, for the runner. */
export function cacheProjection<E extends DomainEvent>(projection: CacheProjection<E>): CacheProjection {
  const handles = new Set<string>(projection.handles);
  return {
    ...projection,
    apply: (writer, events, key) => projection.apply(writer, narrow<E>(projection.name, handles, events), key),
  };
}

/** Physical table of a generation. */
export const physicalTable = (logical: string, generation: number) => `${logical}_g${generation}`;

/** Key space of a cache projection's generation. */
export const cacheKeyPrefix = (name: string, generation: number) => `chorus:rm:${name}:g${generation}:`;
