/**
 * Multi-stream appends on PostgreSQL: one `appendMany` is one transaction (its events share a
 * transaction id, the major of their positions), and when the database refuses one append's data
 * inside a group, only that append fails — the group runs again append by append.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupAppender } from '../../gateways/event-store/postgres/appender.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { parsePosition } from '../../gateways/event-store/position.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { SqlError, type SqlClient } from '../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const event = (n: number) => ({ id: uuidv7(), type: 'Appended', data: { n } });

describe('postgres event store: appendMany', () => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('append_many');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql, { appendConcurrency: 1 });
  });
  afterAll(async () => {
    await store.close();
    await sql.close();
    await db.drop();
  });

  it('commits the appends of many streams in one transaction', async () => {
    const appends = Array.from({ length: 50 }, (_, i) => ({ stream: `many-${uuidv7()}`, events: [event(i), event(i + 1)] }));
    const outcomes = await store.appendMany(appends);
    const majors = new Set(outcomes.map((o) => (o.ok ? parsePosition(o.result.position).major : 'failed')));
    expect(majors.size).toBe(1);
    expect([...majors][0]).not.toBe('failed');
  });

  it('fails only the append whose data the database refuses, inside a group', async () => {
    const appender = new GroupAppender(sql, 1);
    const good = (stream: string) => appender.append(stream, 'any', JSON.stringify([{ ...event(1), metadata: {}, occurredAt: new Date().toISOString() }]));
    // jsonb cannot hold \u0000: the validation refuses it before SQL, so it is sent raw here.
    const bad = appender.append('many-bad', 'any', `[{"id":"${uuidv7()}","type":"A","data":{"s":"a\\u0000b"},"metadata":{},"occurredAt":"${new Date().toISOString()}"}]`);
    const results = await Promise.allSettled([good(`many-${uuidv7()}`), bad, good(`many-${uuidv7()}`)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = results[1] as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(SqlError);
    expect((refused.reason as SqlError).sqlState?.startsWith('22')).toBe(true);
  });
});
