/**
 * The Kafka relay in the composition root: its settings from the environment, and one call that
 * starts it on the storage of the process (`npm start` with KAFKA_BROKERS, or `chorus relay`).
 *
 *   KAFKA_BROKERS              host:port,... (required)
 *   CHORUS_KAFKA_PARTITIONS    partitions of the topics the relay creates (default 3)
 *   CHORUS_KAFKA_REPLICATION   their replication factor (default 1)
 *   CHORUS_KAFKA_TOPIC_PREFIX  topics are <prefix><category> (default "chorus.")
 *   CHORUS_KAFKA_RELAY_NAME    names the checkpoint and the lock (default "default")
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventStore } from '../gateways/event-store/port.js';
import { registerRelayMetrics } from '../gateways/kafka/metrics.js';
import type { KafkaRelay, RelayStatus } from '../gateways/kafka/relay.js';
import { DEFAULT_TOPIC_PREFIX, isValidTopicPrefix } from '../gateways/kafka/topics.js';
import type { SqlClient } from '../gateways/sql/port.js';
import { ConfigError, type Config } from './config.js';
import { ReadinessProblem } from '../http/routes/health.js';

export interface RelaySettings {
  brokers: string[];
  name: string;
  topicPrefix: string;
  partitions: number;
  replicationFactor: number;
  clientId: string;
}

/** The relay's settings; ConfigError when KAFKA_BROKERS is missing or a value is invalid. */
export function relaySettings(config: Config, env: NodeJS.ProcessEnv = process.env): RelaySettings {
  if (!config.kafkaBrokers?.length) throw new ConfigError('KAFKA_BROKERS is not set: the relay needs Kafka brokers (host:port,...)');
  const name = env.CHORUS_KAFKA_RELAY_NAME || 'default';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) {
    throw new ConfigError(`CHORUS_KAFKA_RELAY_NAME must be 1-100 letters, digits, dots, dashes or underscores, got ${JSON.stringify(name)}`);
  }
  const topicPrefix = env.CHORUS_KAFKA_TOPIC_PREFIX ?? DEFAULT_TOPIC_PREFIX;
  if (!isValidTopicPrefix(topicPrefix)) {
    throw new ConfigError(`CHORUS_KAFKA_TOPIC_PREFIX may hold only letters, digits, dots, dashes and underscores, got ${JSON.stringify(topicPrefix)}`);
  }
  return {
    brokers: config.kafkaBrokers,
    name,
    topicPrefix,
    partitions: wholeNumber(env, 'CHORUS_KAFKA_PARTITIONS', 3, 1, 10_000),
    replicationFactor: wholeNumber(env, 'CHORUS_KAFKA_REPLICATION', 1, 1, 32),
    clientId: `chorus-relay-${config.nodeId}`,
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export interface RelayDeps {
  config: Config;
  /** The store itself (storage.events), not an instrumented wrapper: lag is counted in its tables. */
  store: EventStore;
  sql: SqlClient;
  logger: Logger;
  /** When given, the relay's gauges (chorus_kafka_relay_*) are registered on it. */
  registry?: Registry;
  env?: NodeJS.ProcessEnv;
  /** Readiness fails when the oldest unpublished event is older than this (default 60,000 ms). */
  readyMaxLagMs?: number;
}

export interface RunningRelay {
  relay: KafkaRelay;
  settings: RelaySettings;
  /** For /readyz: fails while Kafka refuses events or the relay lags more than readyMaxLagMs. */
  readiness: { name: string; check(): Promise<void> };
  status(): Promise<RelayStatus>;
  /** Publishes what it holds, stores the checkpoint, disconnects; call before closing the storage. */
  stop(): Promise<void>;
}

/**
 * Starts the relay (it runs in the background); rejects with ConfigError on bad settings. The
 * Kafka driver is loaded here, on the first start: a node without KAFKA_BROKERS never loads it
 * (143 modules, 2 MB of heap and 14 MB of RSS).
 */
export async function startRelay(deps: RelayDeps): Promise<RunningRelay> {
  const settings = relaySettings(deps.config, deps.env);
  const { KafkaRelay } = await import('../gateways/kafka/relay.js');
  const relay = new KafkaRelay(
    { store: deps.store, sql: deps.sql, logger: deps.logger },
    {
      name: settings.name,
      brokers: settings.brokers,
      clientId: settings.clientId,
      topicPrefix: settings.topicPrefix,
      partitions: settings.partitions,
      replicationFactor: settings.replicationFactor,
    },
  );
  if (deps.registry) registerRelayMetrics(deps.registry, relay);
  relay.start();
  const maxLagMs = deps.readyMaxLagMs ?? 60_000;
  let stopping: Promise<void> | undefined;
  return {
    relay,
    settings,
    readiness: {
      name: 'kafka-relay',
      async check() {
        const status = await relay.status();
        if (status.state === 'kafka-unavailable') {
          // The driver's error (brokers, addresses) goes to the log, not to the public /readyz.
          throw new ReadinessProblem(`Kafka unavailable since ${status.kafkaUnavailableSince}; ${describeLag(status)}`);
        }
        if (status.lag.ms > maxLagMs) throw new ReadinessProblem(`relay behind: ${describeLag(status)}`);
      },
    },
    status: () => relay.status(),
    stop: () => (stopping ??= relay.stop()),
  };
}

export function describeLag(status: RelayStatus): string {
  const { lag } = status;
  if (lag.atHead) return 'at the head';
  const events = lag.events === null ? 'some events' : `${lag.eventsCapped ? '>= ' : ''}${lag.events} events`;
  return `${events} behind, oldest unpublished ${Math.round(lag.ms)} ms old`;
}
