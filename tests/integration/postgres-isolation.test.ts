/** The harness gives each suite its own database and drops it afterwards. */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ADMIN_URL, createTestDatabase } from '../support/postgres.js';

describe('test harness: isolated Postgres databases', () => {
  it('creates a private database per suite and drops it, even with connections open', async () => {
    const db = await createTestDatabase('iso');
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined); // the forced drop terminates this connection
    await client.connect();
    await client.query('create table t (x int)');
    await db.drop();
    await client.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query('select 1 from pg_database where datname = $1', [db.name]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
