/**
 * A kafkajs client for Chorus: quick retries (the relay adds its own backoff on top), and
 * kafkajs's own log lines sent to the Chorus logger at debug level — what matters (Kafka down,
 * Kafka back) is logged once by the code that uses the client.
 */
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const logger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
    logLevel: logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      const { message, timestamp: _timestamp, ...rest } = entry.log;
      logger.debug({ namespace: entry.namespace, kafkaLevel: entry.label, ...rest }, `kafkajs: ${message}`);
    },
  });
}
