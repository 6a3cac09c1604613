// Is the broker ready for clients? Asked with the kafkajs admin and producer (the client the
// relay and the tests use), with kafkajs's own retries off: the caller polls.

import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const PROBE_ID = 'chorus-kafka-probe';
/** kafkajs refuses an idempotent producer without retries: one, quick. */
const PRODUCER_RETRY = { retries: 1, initialRetryTime: 50, maxRetryTime: 100 };

/**
 * Resolves when the broker on host:port is ready for clients: it lists a live broker and a
 * controller, the group coordinator answers (creating __consumer_offsets), an idempotent producer
 * gets a producer id and a transactional one its transaction coordinator (creating
 * __transaction_state). So the first consumer group, idempotent producer or transaction of a test
 * does not spend its time on "coordinator not available / loading" retries.
 *
 * @returns {Promise<{ brokers: Array<{ nodeId: number, host: string, port: number }>, clusterId: string, controllerId: number }>}
 */
export async function probeBroker(host, port, timeoutMs = 3000) {
  const kafka = new Kafka({
    clientId: PROBE_ID,
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: PRODUCER_RETRY });
  const transactional = kafka.producer({ transactionalId: PROBE_ID, idempotent: true, maxInFlightRequests: 1, retry: PRODUCER_RETRY });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
      throw new Error('the broker does not list a live broker and controller yet');
    }
    // In parallel: each makes the broker create or load something, and all are idempotent.
    const checks = await Promise.allSettled([
      admin.describeGroups([PROBE_ID]).catch((error) => {
        throw new Error(`the group coordinator is not available yet (${error.message})`);
      }),
      idempotent.connect().catch((error) => {
        throw new Error(`the broker cannot hand out producer ids yet (${error.message})`);
      }),
      (async () => {
        await transactional.connect();
        const transaction = await transactional.transaction();
        await transaction.abort();
      })().catch((error) => {
        throw new Error(`the transaction coordinator is not available yet (${error.message})`);
      }),
    ]);
    const failed = checks.find((check) => check.status === 'rejected');
    if (failed) throw failed.reason;
    return {
      brokers: cluster.brokers.map(({ nodeId, host: brokerHost, port: brokerPort }) => ({ nodeId, host: brokerHost, port: brokerPort })),
      clusterId: cluster.clusterId,
      controllerId: cluster.controller,
    };
  } finally {
    await Promise.allSettled([admin.disconnect(), idempotent.disconnect(), transactional.disconnect()]);
  }
}
