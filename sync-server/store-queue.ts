/**
 * Stores the edits of every room of this node, right behind the relay: group commit across
 * documents. One store call is in flight at a time; the edits that rooms queue meanwhile all go
 * into the next one (the `store` hook makes it one multi-stream append: one transaction, one
 * commit for many playlists). Under load, stores start at most every `intervalMs`, so that each
 * carries more edits (fewer transactions, fewer round trips per edit); the clients already have
 * the edits, relayed at once, so the wait costs only store lag. A lone edit (the previous store
 * started longer than `intervalMs` ago) and an edit an HTTP caller waits for never wait.
 *
 * Outcomes, per playlist:
 * - stored: the room answers its HTTP callers and counts towards its next compaction;
 * - failed (the store cannot be reached, a timeout): the edits go back to the front of their room's
 *   queue and the next call waits, backing off from 50 ms to 2 s — the store is tried again, as
 *   the edits will store once it answers;
 * - refused (the store would refuse them again: bad data, a deleted playlist, an event too large):
 *   never retried. A batch of several edits is stored again edit by edit, so that only the edit at
 *   fault is dropped (logged, counted, and its sender told through `onRefused`); the room moves on.
 *
 * Backpressure: while the edits not yet stored pass `maxUnstoredBytes` (or `maxUnstoredEdits`),
 * the queue is `backlogged` until they fall below half of that: the server stops reading from its
 * sockets meanwhile (the clients keep their edits), HTTP edits are refused with 503, and memory
 * stays bounded however slow the store is.
 */
import type { Logger } from 'pino';
import type { PlaylistChange } from '../domain/playlist/events.js';
import type { Edit, StoreOutcome, SyncHooks } from './hooks.js';
import { Backoff } from '../gateways/backoff.js';
import { sleep } from '../gateways/sleep.js';

export class StoreBackloggedError extends Error {
  override readonly name = 'StoreBackloggedError';
  /** The HTTP edge answers this code with 503 (a retry will do). */
  readonly code = 'SERVICE_UNAVAILABLE';
}

/** An edit applied to a room's document and not yet stored. */
export interface Pending {
  update: Uint8Array;
  changes: PlaylistChange[];
  actorId: string;
  /** The client that sent it, if one did. */
  peer?: unknown;
  /** The HTTP caller waiting for it to be stored, if one is. */
  waiter?: { resolve(position: string | undefined): void; reject(error: unknown): void };
  /** When it was applied (performance.now()), for the store lag. */
  at: number;
}

/** What the queue needs of a room. */
export interface QueuedRoom {
  readonly playlistId: string;
  take(): Array<{ edit: Edit; items: Pending[] }>;
  putBack(items: readonly Pending[]): void;
  stored(items: readonly Pending[], edits: number, position: string): void;
  refused(items: readonly Pending[], error: Error): void;
}

export interface StoreQueueOptions {
  maxUnstoredBytes: number;
  maxUnstoredEdits: number;
  /** The least time between the starts of two stores, gathering the edits of busy rooms (0: none). */
  intervalMs?: number;
  /** After every store call: how many edits, how long it took (ms), and each edit's lag from applied to stored (ms). */
  onStored?: (edits: number, ms: number, lagsMs: number[]) => void;
  onRefused?: (playlistId: string, items: readonly Pending[], error: Error) => void;
  onBacklog?: (backlogged: boolean) => void;
}

/** Memory an edit holds beyond its update's bytes (its changes, the queue entries), roughly. */
const EDIT_OVERHEAD_BYTES = 256;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;

interface Taken {
  room: QueuedRoom;
  parts: Array<{ edit: Edit; items: Pending[] }>;
}

export class StoreQueue {
  private readonly dirty = new Set<QueuedRoom>();
  private running: Promise<void> | undefined;
  /** The pause before the next store after a failure (0 while stores succeed). */
  private retryDelay = 0;
  private readonly backoff = new Backoff({ minMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS });
  /** Aborted to end a pause early: the retry's (at close), the gathering's (at close, or for an HTTP caller). */
  private retryWake: AbortController | undefined;
  private gatherWake: AbortController | undefined;
  /** When the last store started (performance.now()). */
  private lastStart = Number.NEGATIVE_INFINITY;
  /** An HTTP caller waits for a queued edit: the next store goes at once. */
  private urgent = false;
  private bytes = 0;
  private edits = 0;
  private isBacklogged = false;
  private closed = false;

  constructor(
    private readonly hooks: Pick<SyncHooks, 'store'>,
    private readonly logger: Logger,
    private readonly options: StoreQueueOptions,
  ) {}

  get backlogged(): boolean {
    return this.isBacklogged;
  }

  /** Edits applied and not stored yet, on every room, and the bytes they hold. */
  get unstored(): { edits: number; bytes: number } {
    return { edits: this.edits, bytes: this.bytes };
  }

  /** A room queued an edit. */
  add(room: QueuedRoom, pending: Pending): void {
    this.edits += 1;
    this.bytes += pending.update.byteLength + EDIT_OVERHEAD_BYTES;
    this.checkBacklog();
    this.dirty.add(room);
    if (pending.waiter) {
      this.urgent = true;
      this.gatherWake?.abort();
    }
    if (!this.closed) this.running ??= this.run();
  }

  /** Resolves once nothing is queued or being stored. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops storing after the call in flight; what is queued then stays unstored. */
  close(): void {
    this.closed = true;
    this.retryWake?.abort();
    this.gatherWake?.abort();
  }

  private async run(): Promise<void> {
    try {
      while (this.dirty.size > 0 && !this.closed) {
        if (this.retryDelay > 0) await this.pause(this.retryDelay, 'retryWake');
        else await this.gather();
        if (this.closed) break;
        this.lastStart = performance.now();
        this.urgent = false;
        const taken: Taken[] = [];
        for (const room of this.dirty) {
          const parts = room.take();
          if (parts.length > 0) taken.push({ room, parts });
        }
        this.dirty.clear();
        if (taken.length > 0) await this.store(taken);
      }
    } finally {
      this.running = undefined;
      // Edits queued while the last call was answered, after the loop looked.
      if (this.dirty.size > 0 && !this.closed) this.running = this.run();
    }
  }

  /** One store call for every taken batch; what must be tried again edit by edit is, at once. */
  private async store(taken: Taken[]): Promise<void> {
    const started = performance.now();
    let outcomes: StoreOutcome[];
    try {
      outcomes = await this.hooks.store(taken.map((t) => ({ playlistId: t.room.playlistId, edits: t.parts.map((p) => p.edit) })));
    } catch (error) {
      outcomes = taken.map(() => ({ kind: 'failed', error }));
    }
    const lags: number[] = [];
    const isolate: Taken[] = [];
    let failure: unknown;
    outcomes.forEach((outcome, i) => {
      const { room, parts } = taken[i]!;
      const items = parts.flatMap((p) => p.items);
      switch (outcome.kind) {
        case 'stored':
          for (const item of items) lags.push(performance.now() - item.at);
          room.stored(items, parts.length, outcome.position);
          this.release(items);
          return;
        case 'failed':
          failure ??= outcome.error;
          room.putBack(items);
          this.dirty.add(room);
          return;
        case 'refused':
          if (parts.length > 1) {
            isolate.push(...parts.map((part) => ({ room, parts: [part] })));
            return;
          }
          this.logger.warn({ err: outcome.error, playlistId: room.playlistId, actorId: parts[0]!.edit.actorId }, 'sync: an edit was refused by the store and is dropped (it would fail again)');
          room.refused(items, outcome.error);
          this.release(items);
          this.options.onRefused?.(room.playlistId, items, outcome.error);
          return;
      }
    });
    if (lags.length > 0) this.options.onStored?.(lags.length, performance.now() - started, lags);
    if (failure !== undefined) {
      if (!this.backoff.failing) this.logger.warn({ err: failure }, 'sync: storing edits failed; trying again');
      this.retryDelay = this.backoff.next();
    } else if (this.backoff.failing && lags.length > 0) {
      this.logger.info('sync: storing edits again');
      this.backoff.reset();
      this.retryDelay = 0;
    }
    if (isolate.length > 0) await this.store(isolate);
  }

  private release(items: readonly Pending[]): void {
    this.edits -= items.length;
    for (const item of items) this.bytes -= item.update.byteLength + EDIT_OVERHEAD_BYTES;
    this.checkBacklog();
  }

  private checkBacklog(): void {
    const { maxUnstoredBytes, maxUnstoredEdits } = this.options;
    const over = this.bytes > maxUnstoredBytes || this.edits > maxUnstoredEdits;
    const under = this.bytes <= maxUnstoredBytes / 2 && this.edits <= maxUnstoredEdits / 2;
    if (!this.isBacklogged && over) {
      this.isBacklogged = true;
      this.logger.warn({ unstoredEdits: this.edits, unstoredBytes: this.bytes }, 'sync: the store is behind; reading from clients pauses until it catches up');
      this.options.onBacklog?.(true);
    } else if (this.isBacklogged && under) {
      this.isBacklogged = false;
      this.logger.info({ unstoredEdits: this.edits, unstoredBytes: this.bytes }, 'sync: the store caught up; reading from clients again');
      this.options.onBacklog?.(false);
    }
  }

  /** Waits until `intervalMs` after the last store's start, unless an HTTP caller waits. */
  private async gather(): Promise<void> {
    const wait = this.lastStart + (this.options.intervalMs ?? 0) - performance.now();
    if (wait > 0 && !this.urgent) await this.pause(wait, 'gatherWake');
  }

  private async pause(ms: number, slot: 'retryWake' | 'gatherWake'): Promise<void> {
    const wake = (this[slot] = new AbortController());
    await sleep(ms, wake.signal);
    this[slot] = undefined;
  }
}
