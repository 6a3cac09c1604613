/**
 * One run of the Kafka relay (relay.ts): a fresh producer from the stored checkpoint, following
 * the event store until a failure, the loss of the relay's lock or stop. Batches are sent one at
 * a time, in global order, each after the acknowledgement of the one before, and checkpointed in
 * that order; the first failure ends the run (the next run starts again from the checkpoint).
 */
import { CompressionTypes, Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import type { EventStore, Position, RecordedEvent, Subscription } from '../event-store/port.js';
import { START } from '../event-store/position.js';
import type { SqlClient } from '../sql/port.js';
import { advanceRelayCheckpoint, readRelayCheckpoint } from './checkpoint.js';
import { writeEventMessage } from './message.js';
import { KNOWN_CATEGORIES, ensureTopics, topicFor, type TopicSettings } from './topics.js';

/** A Kafka operation failed (after kafkajs's own quick retries). */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
}

export interface RunSettings {
  name: string;
  topicPrefix: string;
  topicSettings: TopicSettings;
  maxBatchEvents: number;
  maxBatchBytes: number;
  compression: 'none' | 'gzip';
}

/** What a run tells the relay, and the little it shares with the runs before and after it. */
export interface RunHost {
  readonly kafka: Kafka;
  readonly store: EventStore;
  readonly sql: SqlClient;
  readonly settings: RunSettings;
  /** Topics known to exist (kept across runs). */
  readonly knownTopics: Set<string>;
  /** The checkpoint as this process last read or stored it. */
  checkpoint: Position | null;
  /** Following the store from the checkpoint. */
  subscribed(): void;
  /** Kafka took a batch, or there is nothing to send: it is as available as we can tell. */
  kafkaUp(): void;
  /** A batch was acknowledged: milliseconds from its last event's append to the acknowledgement. */
  acknowledged(lagMs: number): void;
  /** A batch was checkpointed. */
  committed(events: number): void;
}

interface Outgoing {
  event: RecordedEvent;
  topic: string;
  message: Message;
}

export class RelayRun {
  private readonly producer: Producer;
  private admin: Admin | undefined;
  private subscription: Subscription | undefined;
  private pending: Outgoing[] = [];
  private pendingBytes = 0;
  /** The last batch's send and checkpoint write: sends go one at a time, in order. */
  private sends: Promise<void> = Promise.resolve();
  private commits: Promise<void> = Promise.resolve();
  /** Batches not yet acknowledged (on the wire or waiting for it). */
  private unsent = 0;
  /** Batches not yet checkpointed. */
  private inFlight = 0;
  private failure: unknown;
  private ended = false;

  constructor(private readonly host: RunHost) {
    this.producer = host.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
    });
  }

  /** Ends the run: what is held is still sent and checkpointed, then publish() returns. */
  close(): Promise<void> {
    return this.subscription?.close() ?? Promise.resolve();
  }

  /** Ends the run with `error` (publish() throws it once the batches in flight settle). */
  fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    void this.subscription?.close();
  }

  /** Connects, creates the topics, then follows the store from the checkpoint until closed or failed. */
  async publish(signal: AbortSignal): Promise<void> {
    const { host } = this;
    try {
      await kafkaOp('connecting', () => this.producer.connect());
      await this.ensureTopics(KNOWN_CATEGORIES.map((category) => `${host.settings.topicPrefix}${category}`));
      host.checkpoint = (await readRelayCheckpoint(host.sql, host.settings.name))?.position ?? null;
      if (signal.aborted || this.failure !== undefined) return;
      const subscription = host.store.subscribeToAll({
        fromPosition: host.checkpoint ?? START,
        onProgress: () => this.caughtUp(),
      });
      this.subscription = subscription;
      host.subscribed();
      if (signal.aborted) await subscription.close();
      for await (const event of subscription) {
        const { message, bytes } = writeEventMessage(event);
        if (this.pending.length > 0 && this.pendingBytes + bytes > host.settings.maxBatchBytes) await this.dispatch();
        this.pending.push({ event, topic: topicFor(host.settings.topicPrefix, event.stream), message });
        this.pendingBytes += bytes;
        if (this.pending.length >= host.settings.maxBatchEvents) await this.dispatch();
        if (this.failure !== undefined) break;
      }
      // Stopped (or failed): what is held is still sent, then everything is checkpointed.
      if (this.failure === undefined) void this.dispatch();
      await settled(this.commits);
      if (this.failure !== undefined) throw this.failure;
    } finally {
      await this.subscription?.close();
      await settled(this.commits);
      await withTimeout(this.producer.disconnect(), 5_000).catch(() => undefined);
      await withTimeout(this.admin?.disconnect() ?? Promise.resolve(), 5_000).catch(() => undefined);
      this.ended = true;
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
  private dispatch(): Promise<void> {
    const batch = this.pending.splice(0);
    this.pendingBytes = 0;
    const before = this.sends;
    if (batch.length === 0 || this.failure !== undefined) return settled(before);
    this.inFlight += 1;
    this.unsent += 1;
    const sent = before.then(async () => {
      await this.send(batch);
      this.unsent -= 1;
      if (this.unsent === 0 && this.pending.length > 0 && this.failure === undefined && !this.ended) void this.dispatch();
    });
    const committed = Promise.all([sent, this.commits]).then(() => this.commit(batch));
    this.sends = sent;
    this.commits = committed;
    sent.catch((error: unknown) => this.fail(error));
    committed.then(
      () => (this.inFlight -= 1),
      (error: unknown) => this.fail(error),
    );
    return settled(before);
  }

  /** The subscription has delivered everything there is for now: send what is held, unless a send is under way (see dispatch). */
  private caughtUp(): void {
    if (this.ended || this.failure !== undefined) return;
    if (this.pending.length > 0) {
      if (this.unsent === 0) void this.dispatch();
    } else if (this.inFlight === 0) {
      // Connected, topics there, nothing to send: Kafka is as available as we can tell.
      this.host.kafkaUp();
    }
  }

  private async send(batch: readonly Outgoing[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of batch) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push(message);
    }
    await this.ensureTopics([...byTopic.keys()]);
    await kafkaOp('publishing', () =>
      this.producer.sendBatch({
        acks: -1,
        compression: this.host.settings.compression === 'gzip' ? CompressionTypes.GZIP : undefined,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      }),
    );
    this.host.kafkaUp();
    this.host.acknowledged(Date.now() - Date.parse(batch[batch.length - 1]!.event.occurredAt));
  }

  private async commit(batch: readonly Outgoing[]): Promise<void> {
    const { host } = this;
    const to = batch[batch.length - 1]!.event.position;
    await advanceRelayCheckpoint(host.sql, host.settings.name, host.checkpoint, to, batch.length);
    host.checkpoint = to;
    host.committed(batch.length);
  }

  private async ensureTopics(topics: readonly string[]): Promise<void> {
    const { host } = this;
    const missing = topics.filter((topic) => !host.knownTopics.has(topic));
    if (missing.length === 0) return;
    await kafkaOp('creating topics', async () => {
      if (!this.admin) {
        const admin = host.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      await ensureTopics(this.admin, missing, host.settings.topicSettings);
    });
    for (const topic of missing) host.knownTopics.add(topic);
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
