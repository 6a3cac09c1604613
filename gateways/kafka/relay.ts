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
import { CompressionTypes, Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { EventStoreUnavailableError } from '../event-store/errors.js';
import type { EventStore, Position, RecordedEvent, Subscription } from '../event-store/port.js';
import { START } from '../event-store/position.js';
import { SqlConnectionError, type SqlClient, type SqlLock } from '../sql/port.js';
import { RelayCheckpointMovedError, advanceRelayCheckpoint, ensureRelaySchema, readRelayCheckpoint } from './checkpoint.js';
import { createKafkaClient } from './client.js';
import { measureLag, type Lag } from './lag.js';
import { writeEventMessage } from './message.js';
import { DEFAULT_TOPIC_PREFIX, KNOWN_CATEGORIES, ensureTopics, topicFor, type TopicSettings } from './topics.js';
import { sleep } from '../sleep.js';

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
  /** Backoff between retries after a failure: from retryMinMs (100), doubling to retryMaxMs (5,000). */
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

/** A Kafka operation failed (after kafkajs's own quick retries). */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
}

class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

interface Outgoing {
  event: RecordedEvent;
  topic: string;
  message: Message;
}

/** One run: from the checkpoint with a fresh producer, until a failure, the lock's loss or stop(). */
interface Run {
  producer: Producer;
  admin: Admin | undefined;
  subscription: Subscription | undefined;
  pending: Outgoing[];
  pendingBytes: number;
  /** The last batch's send and checkpoint write: sends go one at a time, in order. */
  sends: Promise<void>;
  commits: Promise<void>;
  /** Batches not yet acknowledged (on the wire or waiting for it). */
  unsent: number;
  /** Batches not yet checkpointed. */
  inFlight: number;
  failure: unknown;
}

const STATUS_CACHE_MS = 1_000;

export class KafkaRelay {
  private state: RelayState = 'starting';
  private checkpoint: Position | null = null;
  private published = 0;
  private batches = 0;
  private lastAckLagMs: number | null = null;
  private unavailableSince: number | null = null;
  private error: string | null = null;
  private current: Run | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private readonly knownTopics = new Set<string>();
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly topicPrefix: string;
  private readonly topicSettings: TopicSettings;
  private readonly maxBatchEvents: number;
  private readonly maxBatchBytes: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly lockRetryMs: number;
  private readonly compression: CompressionTypes | undefined;
  private statusCache: { at: number; checkpoint: Position | null; state: RelayState; status: Promise<RelayStatus> } | undefined;

  constructor(
    private readonly deps: KafkaRelayDeps,
    private readonly options: KafkaRelayOptions,
  ) {
    this.logger = deps.logger.child({ relay: options.name });
    this.kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId ?? `chorus-relay-${options.name}`, logger: this.logger });
    this.topicPrefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
    this.topicSettings = { partitions: options.partitions ?? 3, replicationFactor: options.replicationFactor ?? 1 };
    this.maxBatchEvents = options.maxBatchEvents ?? 2_000;
    this.maxBatchBytes = options.maxBatchBytes ?? 768 * 1024;
    this.retryMinMs = options.retryMinMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.lockRetryMs = options.lockRetryMs ?? 1_000;
    this.compression = options.compression === 'gzip' ? CompressionTypes.GZIP : undefined;
  }

  get name(): string {
    return this.options.name;
  }

  /** The topic an event of `stream` goes to. */
  topicFor(stream: string): string {
    return topicFor(this.topicPrefix, stream);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Publishes what it holds (when Kafka answers), stores the checkpoint, and lets go of Kafka and the lock. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.current?.subscription?.close();
    await this.loop;
    this.state = 'stopped';
    this.logger.info({ checkpoint: this.checkpoint }, 'kafka relay: stopped');
  }

  snapshot(): RelaySnapshot {
    return {
      name: this.options.name,
      state: this.state,
      checkpoint: this.checkpoint,
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
    if (cached && now - cached.at < STATUS_CACHE_MS && cached.checkpoint === this.checkpoint && cached.state === this.state) return cached.status;
    const status = this.measureStatus();
    this.statusCache = { at: now, checkpoint: this.checkpoint, state: this.state, status };
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
    let delay = this.retryMinMs;
    let schemaReady = false;
    while (!signal.aborted) {
      let lock: SqlLock | undefined;
      try {
        if (!schemaReady) await ensureRelaySchema(this.deps.sql);
        schemaReady = true;
        lock = await this.deps.sql.tryLock(`chorus:kafka-relay:${this.options.name}`);
      } catch (error) {
        this.interrupted(error);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.retryMaxMs);
        continue;
      }
      if (!lock) {
        if (this.state !== 'standby') this.logger.info('kafka relay: another process holds the relay lock; standing by');
        this.state = 'standby';
        await sleep(this.lockRetryMs, signal);
        continue;
      }
      try {
        await this.runLocked(lock, signal);
        delay = this.retryMinMs;
      } catch (error) {
        if (this.state === 'running') delay = this.retryMinMs;
        this.interrupted(error);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.retryMaxMs);
      } finally {
        await lock.release().catch(() => undefined);
      }
    }
  }

  /** Runs until stopped, retrying Kafka failures with backoff while keeping the lock; other failures end it. */
  private async runLocked(lock: SqlLock, signal: AbortSignal): Promise<void> {
    let lockLost = false;
    void lock.lost.then(() => {
      lockLost = true;
      this.failRun(this.current, new LockLostError('lost the relay lock (its connection dropped)'));
    });
    let delay = this.retryMinMs;
    let announced = false;
    while (!signal.aborted && !lockLost) {
      const run = this.newRun();
      try {
        await this.publish(run, signal, () => {
          if (announced) return;
          announced = true;
          this.logger.info(
            { checkpoint: this.checkpoint ?? 'start', brokers: this.options.brokers, topics: `${this.topicPrefix}<category>`, ...this.topicSettings },
            'kafka relay: publishing',
          );
        });
      } catch (error) {
        if (!(error instanceof KafkaUnavailableError)) throw error;
        const progressed = this.state === 'running';
        this.kafkaDown(error);
        if (progressed) delay = this.retryMinMs;
        await sleep(delay, signal);
        delay = Math.min(delay * 2, this.retryMaxMs);
      }
    }
    if (lockLost && !signal.aborted) throw new LockLostError('lost the relay lock (its connection dropped)');
  }

  private newRun(): Run {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
    });
    const run: Run = {
      producer,
      admin: undefined,
      subscription: undefined,
      pending: [],
      pendingBytes: 0,
      sends: Promise.resolve(),
      commits: Promise.resolve(),
      unsent: 0,
      inFlight: 0,
      failure: undefined,
    };
    this.current = run;
    return run;
  }

  /** One run: connect, create the topics, then follow the store from the checkpoint. */
  private async publish(run: Run, signal: AbortSignal, onRunning: () => void): Promise<void> {
    try {
      await kafkaOp('connecting', () => run.producer.connect());
      await this.ensureTopics(run, KNOWN_CATEGORIES.map((category) => `${this.topicPrefix}${category}`));
      this.checkpoint = (await readRelayCheckpoint(this.deps.sql, this.options.name))?.position ?? null;
      if (signal.aborted || run.failure !== undefined) return;
      const subscription = this.deps.store.subscribeToAll({
        fromPosition: this.checkpoint ?? START,
        onProgress: () => this.caughtUp(run),
      });
      run.subscription = subscription;
      if (this.unavailableSince === null) {
        this.state = 'running';
        this.error = null;
      }
      onRunning();
      if (signal.aborted) await subscription.close();
      for await (const event of subscription) {
        const { message, bytes } = writeEventMessage(event);
        if (run.pending.length > 0 && run.pendingBytes + bytes > this.maxBatchBytes) await this.dispatch(run);
        run.pending.push({ event, topic: this.topicFor(event.stream), message });
        run.pendingBytes += bytes;
        if (run.pending.length >= this.maxBatchEvents) await this.dispatch(run);
        if (run.failure !== undefined) break;
      }
      // Stopped (or failed): what is held is still sent, then everything is checkpointed.
      if (run.failure === undefined) void this.dispatch(run);
      await settled(run.commits);
      if (run.failure !== undefined) throw run.failure;
    } finally {
      await run.subscription?.close();
      await settled(run.commits);
      await withTimeout(run.producer.disconnect(), 5_000).catch(() => undefined);
      await withTimeout(run.admin?.disconnect() ?? Promise.resolve(), 5_000).catch(() => undefined);
      if (this.current === run) this.current = undefined;
    }
  }

  /**
   * Queues the held events as a batch: sent after the batch before it was acknowledged, and
   * checkpointed after that and the previous checkpoint. Resolves when the batch before it has
   * been sent, so at most one batch waits behind the one on the wire.
   *
   * Batches are sent when full, and otherwise whenever nothing is on the wire: events that come
   * in during a send go out together when it is acknowledged, so a steady trickle costs one
   * round trip per acknowledgement, not one per event, and the batch size follows the load.
   */
  private dispatch(run: Run): Promise<void> {
    const batch = run.pending.splice(0);
    run.pendingBytes = 0;
    const before = run.sends;
    if (batch.length === 0 || run.failure !== undefined) return settled(before);
    run.inFlight += 1;
    run.unsent += 1;
    const sent = before.then(async () => {
      await this.send(run, batch);
      run.unsent -= 1;
      if (run.unsent === 0 && run.pending.length > 0 && run.failure === undefined && this.current === run) void this.dispatch(run);
    });
    const committed = Promise.all([sent, run.commits]).then(() => this.commit(batch));
    run.sends = sent;
    run.commits = committed;
    sent.catch((error: unknown) => this.failRun(run, error));
    committed.then(
      () => (run.inFlight -= 1),
      (error: unknown) => this.failRun(run, error),
    );
    return settled(before);
  }

  /** The subscription has delivered everything there is for now: send what is held, unless a send is under way (see dispatch). */
  private caughtUp(run: Run): void {
    if (this.current !== run || run.failure !== undefined) return;
    if (run.pending.length > 0) {
      if (run.unsent === 0) void this.dispatch(run);
    } else if (run.inFlight === 0) {
      // Connected, topics there, nothing to send: Kafka is as available as we can tell.
      this.kafkaUp();
    }
  }

  private async send(run: Run, batch: readonly Outgoing[]): Promise<void> {
    if (run.failure !== undefined) throw run.failure;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of batch) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push(message);
    }
    await this.ensureTopics(run, [...byTopic.keys()]);
    await kafkaOp('publishing', () =>
      run.producer.sendBatch({
        acks: -1,
        compression: this.compression,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      }),
    );
    this.kafkaUp();
    this.lastAckLagMs = Date.now() - Date.parse(batch[batch.length - 1]!.event.occurredAt);
  }

  private async commit(batch: readonly Outgoing[]): Promise<void> {
    const to = batch[batch.length - 1]!.event.position;
    await advanceRelayCheckpoint(this.deps.sql, this.options.name, this.checkpoint, to, batch.length);
    this.checkpoint = to;
    this.published += batch.length;
    this.batches += 1;
  }

  private async ensureTopics(run: Run, topics: readonly string[]): Promise<void> {
    const missing = topics.filter((topic) => !this.knownTopics.has(topic));
    if (missing.length === 0) return;
    await kafkaOp('creating topics', async () => {
      if (!run.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        run.admin = admin;
      }
      await ensureTopics(run.admin, missing, this.topicSettings);
    });
    for (const topic of missing) this.knownTopics.add(topic);
  }

  private failRun(run: Run | undefined, error: unknown): void {
    if (!run || run.failure !== undefined) return;
    run.failure = error;
    void run.subscription?.close();
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
      { err: error, checkpoint: this.checkpoint },
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

async function kafkaOp<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new KafkaUnavailableError(`${what}: ${message}`, { cause: error });
  }
}

function describe(error: unknown): string {
  if (error instanceof SqlConnectionError || error instanceof EventStoreUnavailableError) return `connection lost: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Resolves when `promise` settles, whichever way. */
function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
