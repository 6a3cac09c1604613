/**
 * The named locks of the Postgres client (projection runners, the Kafka relay): one session at a
 * time holds each, across processes; and a process standing by, which asks every second for each
 * job, does not open a connection (a server process) to hear that another still holds it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient, SqlLock } from '../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

// Names whose keys (hashtextextended) have both signs and both halves set, as pg_locks shows them.
const NAMES = Array.from({ length: 12 }, (_, i) => `chorus:test-lock:${i}`);

describe('postgres client: named locks', () => {
  let db: TestDatabase;
  let holder: SqlClient;
  let other: SqlClient;

  beforeAll(async () => {
    db = await createTestDatabase('lock');
    holder = createPgClient({ connectionString: db.url, applicationName: 'lock-holder' });
    other = createPgClient({ connectionString: db.url, applicationName: 'lock-other' });
    await other.query('select 1'); // its pool has a connection already
  });
  afterAll(async () => {
    await holder.close();
    await other.close();
    await db.drop();
  });

  it('keys cover both signs (the check reads both halves of the key)', async () => {
    const rows = await holder.query<{ key: string }>('select hashtextextended(name, 0)::text as key from unnest($1::text[]) as name', [NAMES]);
    const keys = rows.map((row) => BigInt(row.key));
    expect(keys.some((key) => key < 0n)).toBe(true);
    expect(keys.some((key) => key > 0n)).toBe(true);
  });

  it('answers "held" without a new connection while another process holds the lock, and takes it once it is let go', async () => {
    const locks: SqlLock[] = [];
    for (const name of NAMES) {
      const lock = await holder.tryLock(name);
      expect(lock, name).toBeDefined();
      locks.push(lock!);
    }

    const connect = pg.Client.prototype.connect;
    let connections = 0;
    pg.Client.prototype.connect = function (this: pg.Client, ...args: unknown[]) {
      connections += 1;
      return (connect as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof connect;
    try {
      for (const name of NAMES) expect(await other.tryLock(name), name).toBeUndefined();
    } finally {
      pg.Client.prototype.connect = connect;
    }
    expect(connections).toBe(0);

    await locks[0]!.release();
    const taken = await other.tryLock(NAMES[0]!);
    expect(taken).toBeDefined();
    expect(await holder.tryLock(NAMES[0]!)).toBeUndefined();
    await taken!.release();
    for (const lock of locks.slice(1)) await lock.release();
  });

  it('sees a lock held by any session of this database, and not one of another database', async () => {
    const name = 'chorus:test-lock:sessions';
    const elsewhere = await createTestDatabase('lock_other');
    const here = new pg.Client({ connectionString: db.url });
    const there = new pg.Client({ connectionString: elsewhere.url });
    await here.connect();
    await there.connect();
    try {
      await there.query('select pg_advisory_lock(hashtextextended($1, 0))', [name]);
      const taken = await other.tryLock(name);
      expect(taken).toBeDefined();
      await taken!.release();
      await here.query('select pg_advisory_lock(hashtextextended($1, 0))', [name]);
      expect(await other.tryLock(name)).toBeUndefined();
    } finally {
      await here.end();
      await there.end();
      await elsewhere.drop();
    }
    const after = await other.tryLock(name);
    expect(after).toBeDefined();
    await after!.release();
  });
});
