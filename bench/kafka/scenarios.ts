/**
 * The three phases: preload (batch appends), the relay catching up with everything stored, and
 * append-to-consumer latency at a steady rate with the relay at the head.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { readRelayCheckpoint } from '../../gateways/kafka/checkpoint.js';
import { HEADER_EVENT_ID } from '../../gateways/kafka/message.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { coresUsed, sampleCpu, type ProcessGroups } from '../lib/process-cpu.js';
import { log } from '../lib/results.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { formatRate } from '../lib/table.js';
import { paced, sleep, wallClockMs } from '../lib/timing.js';
import type { Config } from './config.js';
import type { RelayProcess } from './relay-process.js';
import { latencyEvent, preloadBatch } from './workload.js';

export interface Preload {
  events: number;
  seconds: number;
  perSecond: number;
}

export async function preload(store: PostgresEventStore, config: Config): Promise<Preload> {
  const batches = Math.ceil(config.events / config.preloadBatch);
  const started = performance.now();
  let next = 0;
  let stored = 0;
  let lastReport = started;
  const writer = async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const size = Math.min(config.preloadBatch, config.events - batch * config.preloadBatch);
      const { stream, events } = preloadBatch(batch, size);
      await store.append(stream, events);
      stored += size;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        log(`preload: ${formatRate(stored)} of ${formatRate(config.events)} events`);
      }
    }
  };
  await Promise.all(Array.from({ length: config.preloadWriters }, writer));
  const seconds = (performance.now() - started) / 1_000;
  return { events: stored, seconds, perSecond: stored / seconds };
}

export interface CatchUp {
  events: number;
  /** From the relay's "publishing" log line to its checkpoint at the head. */
  seconds: number;
  perSecond: number;
  /** From spawning `chorus relay` (Node, tsx, connecting to Postgres and Kafka, creating topics). */
  secondsWithStart: number;
  perSecondWithStart: number;
  /** Events/s over each 5 s of the catch-up, from the checkpoint's events_published. */
  intervals: number[];
  /** Cores each process kept busy on average during the catch-up. */
  cores: Record<string, number>;
}

/**
 * Polls the relay's checkpoint until it is at the head. CPU is counted from the relay's
 * "publishing" line on, for the groups `groups` makes of this database's Postgres backends then.
 */
export async function catchUp(
  sql: SqlClient,
  store: PostgresEventStore,
  relay: RelayProcess,
  groups: (postgresBackends: ReadonlySet<number>) => ProcessGroups,
  events: number,
): Promise<CatchUp> {
  const spawnedAt = wallClockMs();
  const head = await store.headPosition();
  while (relay.loggedAt(/kafka relay: publishing/) === undefined) {
    if (relay.child.exitCode !== null) throw new Error(`chorus relay exited with ${relay.child.exitCode}:\n${relay.output()}`);
    await sleep(10);
  }
  const backends = await sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  const measuredGroups = groups(new Set(backends.map((row) => row.pid)));
  const cpuFrom = sampleCpu(measuredGroups);
  const samples: Array<{ at: number; published: number }> = [];
  let lastReport = 0;
  for (;;) {
    if (relay.child.exitCode !== null) throw new Error(`chorus relay exited with ${relay.child.exitCode}:\n${relay.output()}`);
    const checkpoint = await readRelayCheckpoint(sql, 'default').catch(() => undefined);
    const at = wallClockMs();
    if (checkpoint) samples.push({ at, published: checkpoint.eventsPublished });
    if (checkpoint?.position === head) break;
    if (at - lastReport > 5_000 && checkpoint) {
      lastReport = at;
      log(`catch-up: ${formatRate(checkpoint.eventsPublished)} of ${formatRate(events)} events published`);
    }
    await sleep(50);
  }
  const cores = coresUsed(cpuFrom, sampleCpu(measuredGroups));
  const doneAt = samples[samples.length - 1]!.at;
  const publishingAt = relay.loggedAt(/kafka relay: publishing/) ?? spawnedAt;
  const seconds = (doneAt - publishingAt) / 1_000;
  const secondsWithStart = (doneAt - spawnedAt) / 1_000;
  const intervals: number[] = [];
  for (let i = 0, j = 0; j < samples.length; j += 1) {
    if (samples[j]!.at - samples[i]!.at >= 5_000 || j === samples.length - 1) {
      const span = (samples[j]!.at - samples[i]!.at) / 1_000;
      if (span > 0.5) intervals.push((samples[j]!.published - samples[i]!.published) / span);
      i = j;
    }
  }
  return { events, seconds, perSecond: events / seconds, secondsWithStart, perSecondWithStart: events / secondsWithStart, intervals, cores };
}

export interface Latency extends LatencySummary {
  rate: number;
  seconds: number;
  sent: number;
  received: number;
  duplicates: number;
  /** Append acknowledgement by the store (ms). */
  appendP50: number;
  appendP99: number;
  /** Append start to the relay's send (the record's timestamp, set by the producer), p50 and p99. */
  toRelaySendP50: number;
  toRelaySendP99: number;
  /** The relay's send to the consumer's eachMessage (produce, acknowledgement, fetch), p50 and p99. */
  sendToConsumerP50: number;
  sendToConsumerP99: number;
  /** How far behind schedule the pacer fell at worst (ms): above a few ms, the figures include the generator's own lag. */
  pacerMaxLagMs: number;
}

/** Appends at `rate` events/s; a consumer in this process timestamps each play as it arrives. */
export async function latency(store: PostgresEventStore, brokers: string, topic: string, config: Config): Promise<Latency> {
  const kafka = new Kafka({ clientId: 'chorus-bench-consumer', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `chorus-bench-${randomUUID()}`, allowAutoTopicCreation: false });
  const sentAt = new Map<string, number>();
  const measured = new Set<string>();
  const latencies: number[] = [];
  const toSend: number[] = [];
  const fromSend: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  await consumer.connect();
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = wallClockMs();
        const id = message.headers?.[HEADER_EVENT_ID]?.toString();
        if (!id || !sentAt.has(id)) return;
        if (seen.has(id)) {
          duplicates += 1;
          return;
        }
        seen.add(id);
        if (!measured.has(id)) return;
        latencies.push(now - sentAt.get(id)!);
        toSend.push(Number(message.timestamp) - sentAt.get(id)!);
        fromSend.push(now - Number(message.timestamp));
      },
    });
    await joined;
    const appends: number[] = [];
    const send = (n: number, measure: boolean) => async () => {
      const at = wallClockMs();
      const { stream, event } = latencyEvent(n, at);
      sentAt.set(event.id, at);
      if (measure) measured.add(event.id);
      await store.append(stream, [event]);
      if (measure) appends.push(wallClockMs() - at);
    };
    // Warm-up: the consumer's first fetch fixes its starting offset; these plays are not measured.
    let n = 0;
    await paced(config.latencyRate, 2, () => send(n++, false)());
    await sleep(1_000);
    log(`latency: ${config.latencyRate} events/s for ${config.latencySeconds} s`);
    const run = await paced(config.latencyRate, config.latencySeconds, () => send(n++, true)());
    const deadline = Date.now() + 15_000;
    while (latencies.length < measured.size && Date.now() < deadline) await sleep(50);
    const appendSummary = summarize(appends);
    const toSendSummary = summarize(toSend);
    const fromSendSummary = summarize(fromSend);
    return {
      ...summarize(latencies),
      rate: config.latencyRate,
      seconds: config.latencySeconds,
      sent: measured.size,
      received: latencies.length,
      duplicates,
      appendP50: appendSummary.p50,
      appendP99: appendSummary.p99,
      toRelaySendP50: toSendSummary.p50,
      toRelaySendP99: toSendSummary.p99,
      sendToConsumerP50: fromSendSummary.p50,
      sendToConsumerP99: fromSendSummary.p99,
      pacerMaxLagMs: run.maxLagMs,
    };
  } finally {
    await consumer.disconnect();
  }
}
