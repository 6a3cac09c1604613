/**
 * The Kafka relay: follows the global order of the event store from its checkpoint and publishes
 * every event to `<prefix><stream category>`, keyed by stream name, with an idempotent producer
 * (acks from all in-sync replicas). At least once: the checkpoint (Postgres) moves only after the
 * broker acknowledged a batch, so a crash re-publishes at most the batches that were acknowledged
 * but not yet checkpointed, and never skips one.
 *
 * Order: batches are sent one at a time, in global order, and each waits for the acknowledgement
 * of the one before; a failure ends the run, and the next run (a new producer) starts again from
 * the checkpoint. A stream's events therefore reach its partition in revision order, possibly
 * followed by a replay of the tail that was not checkpointed.
 *
 * One active relay per name across processes (an advisory lock); the others stand by. While
 * Kafka is unreachable the relay holds its lock and retries with backoff, logging the outage once
 * and the recovery once.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { EventStoreUnavailableError } from '../event-store/errors.js';
import type { EventStore, Position } from '../event-store/port.js';
import { SqlConnectionError, type SqlClient, type SqlLock } from '../sql/port.js';
import { RelayCheckpointMovedError, ensureRelaySchema, readRelayCheckpoint } from './checkpoint.js';
import { createKafkaClient } from './client.js';
import { measureLag, type Lag } from './lag.js';
import { KafkaUnavailableError, RelayRun, type RunHost } from './relay-run.js';
import { DEFAULT_TOPIC_PREFIX, topicFor } from './topics.js';
import { Backoff } from '../backoff.js';
import { runLockedLoop } from '../sql/locked-loop.js';

export { KafkaUnavailableError } from './relay-run.js';

export interface KafkaRelayOptions {
  /** Names the checkpoint and the lock: relays with different names publish independently. */
  name: string;
  brokers: readonly string[];
  /** kafkajs client id (default `chorus-relay-<name>`). */
  clientId?: string;
  /** Topics are `<topicPrefix><category>` (default `chorus.`). */
  topicPrefix?: string;
  /** Partitions of the topics the relay creates (default 3). Existing topics are left alone. */
  partitions?: number;
  /** Replication factor of the topics the relay creates (default 1). */
  replicationFactor?: number;
  /** Most events per batch (default 2,000). */
  maxBatchEvents?: number;
  /** Most bytes (keys, values, headers) per batch (default 768 KiB), below the broker's 1 MiB request batch limit. */
  maxBatchBytes?: number;
  /** Backoff between retries after a failure: from retryMinMs (100), doubling to retryMaxMs (5,000), jittered (gateways/backoff.ts). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How often a standby relay asks for the lock (default 1,000 ms). */
  lockRetryMs?: number;
  /** Compression of the batches (default none). */
  compression?: 'none' | 'gzip';
}

export interface KafkaRelayDeps {
  store: EventStore;
  /** The checkpoint table and the lock (Postgres or PGlite). */
  sql: SqlClient;
  logger: Logger;
}

/**
 * - `starting`: not yet running.
 * - `standby`: another process holds this relay's lock.
 * - `running`: publishing, or at the head and waiting for events.
 * - `kafka-unavailable`: Kafka refused or could not be reached; retrying with backoff, events held.
 * - `interrupted`: the event store or the database failed; retrying from the checkpoint.
 * - `stopped`.
 */
export type RelayState = 'starting' | 'standby' | 'running' | 'kafka-unavailable' | 'interrupted' | 'stopped';

/** What the relay knows without asking anyone: cheap, synchronous. */
export interface RelaySnapshot {
  name: string;
  state: RelayState;
  /** The last position this process checkpointed (null before its first batch). */
  checkpoint: Position | null;
  /** Events the broker acknowledged to this process. */
  published: number;
  batches: number;
  /** Milliseconds from the append of the last acknowledged batch's last event to its acknowledgement. */
  lastAckLagMs: number | null;
  /** Since when (ISO time) Kafka has been unavailable, or null. */
  kafkaUnavailableSince: string | null;
  /** The last failure, while it lasts. */
  error: string | null;
}

export interface RelayStatus extends RelaySnapshot {
  /** The stored checkpoint (any process's), which `lag` is measured from. */
  storedCheckpoint: Position | null;
  lag: Lag;
}

class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

const STATUS_CACHE_MS = 1_000;

export class KafkaRelay {
  private state: RelayState = 'starting';
  private published = 0;
  private batches = 0;
  private lastAckLagMs: number | null = null;
  private unavailableSince: number | null = null;
  private error: string | null = null;
  private current: RelayRun | undefined;
  private loop: Promise<void> | undefined;
  /** Whether this lock holding has logged that it publishes. */
  private announced = false;
  private readonly stopController = new AbortController();
  private readonly logger: Logger;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly lockRetryMs: number;
  /** What the runs share with the relay (the checkpoint, known topics) and tell it. */
  private readonly host: RunHost;
  private statusCache: { at: number; checkpoint: Position | null; state: RelayState; status: Promise<RelayStatus> } | undefined;

  constructor(
    private readonly deps: KafkaRelayDeps,
    private readonly options: KafkaRelayOptions,
  ) {
    this.logger = deps.logger.child({ relay: options.name });
    const kafka: Kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId ?? `chorus-relay-${options.name}`, logger: this.logger });
    this.retryMinMs = options.retryMinMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.lockRetryMs = options.lockRetryMs ?? 1_000;
    this.host = {
      kafka,
      store: deps.store,
      sql: deps.sql,
      settings: {
        name: options.name,
        topicPrefix: options.topicPrefix ?? DEFAULT_TOPIC_PREFIX,
        topicSettings: { partitions: options.partitions ?? 3, replicationFactor: options.replicationFactor ?? 1 },
        maxBatchEvents: options.maxBatchEvents ?? 2_000,
        maxBatchBytes: options.maxBatchBytes ?? 768 * 1024,
        compression: options.compression ?? 'none',
      },
      knownTopics: new Set<string>(),
      checkpoint: null,
      subscribed: () => this.subscribed(),
      kafkaUp: () => this.kafkaUp(),
      acknowledged: (lagMs) => (this.lastAckLagMs = lagMs),
      committed: (events) => {
        this.published += events;
        this.batches += 1;
      },
    };
  }

  get name(): string {
    return this.options.name;
  }

  /** The topic an event of `stream` goes to. */
  topicFor(stream: string): string {
    return topicFor(this.host.settings.topicPrefix, stream);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Publishes what it holds (when Kafka answers), stores the checkpoint, and lets go of Kafka and the lock. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.current?.close();
    await this.loop;
    this.state = 'stopped';
    this.logger.info({ checkpoint: this.host.checkpoint }, 'kafka relay: stopped');
  }

  snapshot(): RelaySnapshot {
    return {
      name: this.options.name,
      state: this.state,
      checkpoint: this.host.checkpoint,
      published: this.published,
      batches: this.batches,
      lastAckLagMs: this.lastAckLagMs,
      kafkaUnavailableSince: this.unavailableSince === null ? null : new Date(this.unavailableSince).toISOString(),
      error: this.error,
    };
  }

  /**
   * The snapshot plus the lag of the stored checkpoint behind the head. Kept for a second while
   * this relay's checkpoint and state stay the same, so frequent probes cost one measurement.
   */
  status(): Promise<RelayStatus> {
    const now = Date.now();
    const cached = this.statusCache;
    if (cached && now - cached.at < STATUS_CACHE_MS && cached.checkpoint === this.host.checkpoint && cached.state === this.state) return cached.status;
    const status = this.measureStatus();
    this.statusCache = { at: now, checkpoint: this.host.checkpoint, state: this.state, status };
    status.catch(() => (this.statusCache = undefined));
    return status;
  }

  private async measureStatus(): Promise<RelayStatus> {
    const stored = await readRelayCheckpoint(this.deps.sql, this.options.name).catch((error: unknown) => {
      // Before the first start the table may not exist yet.
      if (error instanceof SqlConnectionError) throw error;
      return undefined;
    });
    const storedCheckpoint = stored?.position ?? null;
    return { ...this.snapshot(), storedCheckpoint, lag: await measureLag(this.deps.store, storedCheckpoint) };
  }

  // ------------------------------------------------------------------------------------------
  // The loops: lock, then runs

  private async run(): Promise<void> {
    const { signal } = this.stopController;
    const backoff = new Backoff({ minMs: this.retryMinMs, maxMs: this.retryMaxMs });
    let schemaReady = false;
    await runLockedLoop({
      sql: this.deps.sql,
      lockName: `chorus:kafka-relay:${this.options.name}`,
      signal,
      standbyMs: this.lockRetryMs,
      backoff,
      prepare: async () => {
        if (!schemaReady) await ensureRelaySchema(this.deps.sql);
        schemaReady = true;
      },
      run: (lock) => this.runLocked(lock, signal),
      standby: () => {
        if (this.state !== 'standby') this.logger.info('kafka relay: another process holds the relay lock; standing by');
        this.state = 'standby';
      },
      failed: (error, during) => {
        // A run that got going before it failed starts the backoff over.
        if (during === 'run' && this.state === 'running') backoff.reset();
        this.interrupted(error);
        return 'retry';
      },
    });
  }

  /** Runs until stopped, retrying Kafka failures with backoff while keeping the lock; other failures end it. */
  private async runLocked(lock: SqlLock, signal: AbortSignal): Promise<void> {
    let lockLost = false;
    void lock.lost.then(() => {
      lockLost = true;
      this.current?.fail(new LockLostError('lost the relay lock (its connection dropped)'));
    });
    const backoff = new Backoff({ minMs: this.retryMinMs, maxMs: this.retryMaxMs });
    this.announced = false;
    while (!signal.aborted && !lockLost) {
      const run = new RelayRun(this.host);
      this.current = run;
      try {
        await run.publish(signal);
      } catch (error) {
        if (!(error instanceof KafkaUnavailableError)) throw error;
        const progressed = this.state === 'running';
        this.kafkaDown(error);
        if (progressed) backoff.reset();
        await backoff.wait(signal);
      } finally {
        if (this.current === run) this.current = undefined;
      }
    }
    if (lockLost && !signal.aborted) throw new LockLostError('lost the relay lock (its connection dropped)');
  }

  /** A run follows the store: running (unless Kafka is known to be down), logged once per lock holding. */
  private subscribed(): void {
    if (this.unavailableSince === null) {
      this.state = 'running';
      this.error = null;
    }
    if (this.announced) return;
    this.announced = true;
    const { topicPrefix, topicSettings } = this.host.settings;
    this.logger.info(
      { checkpoint: this.host.checkpoint ?? 'start', brokers: this.options.brokers, topics: `${topicPrefix}<category>`, ...topicSettings },
      'kafka relay: publishing',
    );
  }

  // ------------------------------------------------------------------------------------------
  // State changes, each logged once

  private kafkaDown(error: KafkaUnavailableError): void {
    this.error = error.message;
    if (this.unavailableSince !== null) {
      this.logger.debug({ err: error }, 'kafka relay: Kafka still unavailable');
      return;
    }
    this.unavailableSince = Date.now();
    this.state = 'kafka-unavailable';
    this.logger.warn(
      { err: error, checkpoint: this.host.checkpoint },
      `kafka relay: cannot publish to Kafka (${error.message}); holding events and retrying with backoff`,
    );
  }

  private kafkaUp(): void {
    this.state = 'running';
    if (this.unavailableSince === null) return;
    const seconds = (Date.now() - this.unavailableSince) / 1_000;
    this.unavailableSince = null;
    this.error = null;
    this.logger.info({ downSeconds: Math.round(seconds * 10) / 10 }, `kafka relay: Kafka accepts events again after ${seconds.toFixed(1)} s; publishing resumes`);
  }

  private interrupted(error: unknown): void {
    const reason = describe(error);
    this.error = reason;
    if (this.state === 'interrupted') {
      this.logger.debug({ err: error }, 'kafka relay: still interrupted');
      return;
    }
    this.state = 'interrupted';
    if (error instanceof RelayCheckpointMovedError) {
      this.logger.warn('kafka relay: another relay moved the checkpoint; starting over from it');
    } else {
      this.logger.warn({ err: error }, `kafka relay: interrupted (${reason}); resuming from the checkpoint`);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof SqlConnectionError || error instanceof EventStoreUnavailableError) return `connection lost: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
