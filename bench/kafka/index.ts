/**
 * The Kafka relay benchmark: 1,000,000 events stored (BENCH_EVENTS), `chorus relay` started as an
 * operator would and timed until its checkpoint reaches the head; then plays appended at a steady
 * 1,000 events/s and timed from the append to a Kafka consumer. Its own broker (tools/kafka) and
 * its own database. See bench/README.md.
 */
import { Kafka, logLevel } from 'kafkajs';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createTestDatabase } from '../../tests/support/postgres.js';
import { startKafka } from '../../tools/kafka/kafka.mjs';
import { log, writeResults } from '../lib/results.js';
import { formatRate } from '../lib/table.js';
import { beginRun } from '../lib/run-context.js';
import { readConfig } from './config.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';
import { buildReport, formatReport } from './report.js';
import { catchUp, latency, preload } from './scenarios.js';

/** The code under test: the relay, its CLI entry, and the store and SQL client it reads through. */
const MEASURED_SOURCES = ['gateways/kafka', 'app/relay.ts', 'cli/relay.ts', 'gateways/event-store', 'gateways/sql'];
const KAFKA_VERSION = '4.4.0';

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  log('starting a Kafka broker');
  const kafka = await startKafka({ log });
  const db = await createTestDatabase('bench_kafka');
  const sql = createPgClient({ connectionString: db.url, max: 8, applicationName: 'chorus-bench-kafka' });
  const store = await PostgresEventStore.open(sql);
  let relay: RelayProcess | undefined;
  try {
    log(`preload: ${formatRate(config.events)} events`);
    const pre = await preload(store, config);
    log(`preload: ${formatRate(pre.perSecond)} events/s; vacuum analyze`);
    await sql.exec('vacuum analyze es_events');

    log('catch-up: starting chorus relay');
    relay = startRelayProcess({ DATABASE_URL: db.url, KAFKA_BROKERS: kafka.brokers, CHORUS_KAFKA_PARTITIONS: String(config.partitions) });
    const relayPid = relay.child.pid;
    const caught = await catchUp(
      sql,
      store,
      relay,
      (backends) => ({
        relay: (p) => p.pid === relayPid,
        kafka: (p) => p.pid === kafka.pid,
        postgres: (p) => backends.has(p.pid),
        bench: (p) => p.pid === process.pid,
      }),
      pre.events,
    );
    log(`catch-up: ${formatRate(caught.perSecond)} events/s`);
    const extraRecords = (await recordsOnTopics(kafka.brokers, 'chorus.')) - pre.events;

    const lat = await latency(store, kafka.brokers, 'chorus.listens', config);
    const relayExitCode = await relay.stop();
    relay = undefined;
    const report = buildReport(config, machine, code, { preload: pre, catchUp: caught, extraRecords, latency: lat, relayExitCode }, startedAt, KAFKA_VERSION);
    console.log(formatReport(report));
    await writeResults('kafka', report);
  } finally {
    await relay?.stop();
    await store.close();
    await sql.close();
    await db.drop();
    await kafka.stop();
  }
}

/** Records on the topics named `<prefix>*` (sum of their partitions' high watermarks). */
async function recordsOnTopics(brokers: string, prefix: string): Promise<number> {
  const admin = new Kafka({ clientId: 'chorus-bench-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of (await admin.listTopics()).filter((t) => t.startsWith(prefix))) {
      for (const partition of await admin.fetchTopicOffsets(topic)) total += Number(partition.high) - Number(partition.low);
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}
