/**
 * `npm start` with KAFKA_BROKERS runs the relay inside the node: what the API appends reaches
 * `chorus.<category>` topics, /readyz reports the relay, /metrics its lag, and a clean shutdown
 * stores the relay's checkpoint at the head.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPgClient } from '../../../gateways/sql/pg.js';
import { startChorusProcess, type ChorusProcess } from '../../support/process.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { harnessBrokers, readTopics, storedCheckpoint, uniquePrefix, until } from './support.js';

let chorus: ChorusProcess | undefined;
let db: TestDatabase | undefined;
afterEach(async () => {
  await chorus?.stop('SIGKILL');
  await db?.drop();
  chorus = undefined;
  db = undefined;
});

interface Readiness {
  status: string;
  checks: Array<{ name: string; ok: boolean; error?: string }>;
}

describe('npm start with KAFKA_BROKERS', () => {
  it('relays what the API appends, reports the relay on /readyz and /metrics, and stores its checkpoint on SIGTERM', async () => {
    db = await createTestDatabase('npm_start_kafka');
    const prefix = uniquePrefix('start');
    chorus = await startChorusProcess({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: harnessBrokers(),
      CHORUS_KAFKA_TOPIC_PREFIX: prefix,
      CHORUS_KAFKA_PARTITIONS: '2',
      CHORUS_DEV_TOKEN_SECRET: 'npm-start-kafka-test-secret-of-enough-length',
      CHORUS_DEMO_CATALOG: 'false',
    });
    expect(chorus.output()).toContain('"kafka":[');

    const token = await fetch(`${chorus.url}/v1/auth/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'kafka-fan', displayName: 'Kafka Fan' }),
    });
    expect(token.status).toBe(200);

    let readiness: Readiness | undefined;
    await until('the relay ready', async () => {
      const response = await fetch(`${chorus!.url}/readyz`);
      readiness = (await response.json()) as Readiness;
      return response.status === 200 && readiness.checks.some((c) => c.name === 'kafka-relay' && c.ok);
    });
    expect(readiness!.checks.map((c) => c.name)).toContain('kafka-relay');

    let userTopic: string | undefined;
    await until('the registration in Kafka', async () => {
      const { topics, records } = await readTopics(harnessBrokers(), prefix);
      userTopic = [...topics.keys()].find((t) => t === `${prefix}user`);
      return records.some((r) => r.key === 'user-kafka-fan' && r.eventType === 'UserRegistered');
    });
    const { topics } = await readTopics(harnessBrokers(), prefix);
    expect(topics.get(userTopic!)).toBe(2);

    const metrics = await (await fetch(`${chorus.url}/metrics`)).text();
    expect(metrics).toMatch(/^chorus_kafka_relay_\w+/m);

    expect(await chorus.stop('SIGTERM')).toBe(0);
    chorus = undefined;
    const sql = createPgClient({ connectionString: db.url });
    try {
      const [head] = await sql.query<{ position: string }>(
        `select transaction_id::text || ':' || seq::text as position from es_events order by transaction_id desc, seq desc limit 1`,
      );
      expect(await storedCheckpoint(sql, 'default')).toBe(head!.position);
    } finally {
      await sql.close();
    }
  });

  it('refuses bad relay settings at start with exit code 2', async () => {
    db = await createTestDatabase('npm_start_kafka_bad');
    await expect(
      startChorusProcess({ DATABASE_URL: db.url, KAFKA_BROKERS: harnessBrokers(), CHORUS_KAFKA_PARTITIONS: 'many' }, 20_000),
    ).rejects.toThrow(/exited with 2 before listening:[\s\S]*CHORUS_KAFKA_PARTITIONS must be a whole number/);
  });
});
