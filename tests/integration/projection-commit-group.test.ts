/**
 * The SQL projections' group commit (projections/commit-group.ts) on a real PostgreSQL: the batches
 * handed over together share one transaction with their checkpoints (all commit or none); one that
 * fails, or whose checkpoint another runner moved, is rolled back alone and the others commit; a
 * large batch commits at once beside a group that is under way.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient, SqlExecutor } from '../../gateways/sql/port.js';
import { SqlCommitGroup } from '../../projections/commit-group.js';
import { CheckpointMovedError, ensureRegistry, listGenerations, type CheckpointMove } from '../../projections/registry.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('SQL projections: group commit', () => {
  let db: TestDatabase;
  let sql: SqlClient;

  beforeAll(async () => {
    db = await createTestDatabase('commit_group');
    sql = createPgClient({ connectionString: db.url, max: 4 });
    await ensureRegistry(sql);
    await sql.exec('create table t (k text primary key)');
  });
  afterAll(async () => {
    await sql.close();
    await db.drop();
  });
  beforeEach(async () => {
    await sql.exec('truncate t; delete from projection_generations');
    for (const name of ['p1', 'p2', 'p3']) {
      await sql.query(`insert into projection_generations (name, generation, version, kind, status) values ($1, 1, 1, 'sql', 'active')`, [name]);
    }
  });

  const insert = (k: string) => async (tx: SqlExecutor) => {
    await tx.query('insert into t (k) values ($1)', [k]);
  };
  const move = (name: string, to = '1:1', from: string | null = null): CheckpointMove => ({ name, generation: 1, from, to, applied: 1 });
  const checkpoints = async () => Object.fromEntries((await listGenerations(sql)).map((g) => [g.name, g.checkpoint]));
  const keys = async () => (await sql.query<{ k: string }>('select k from t order by k')).map((r) => r.k);

  it('commits the batches handed over together, with their checkpoints, in one transaction', async () => {
    const group = new SqlCommitGroup(sql);
    await Promise.all([group.commit(insert('a1'), move('p1'), 1), group.commit(insert('a2'), move('p2'), 1), group.commit(insert('a3'), move('p3'), 1)]);
    expect(group.transactions).toBe(1);
    expect(group.works).toBe(3);
    expect(await keys()).toEqual(['a1', 'a2', 'a3']);
    expect(await checkpoints()).toEqual({ p1: '1:1', p2: '1:1', p3: '1:1' });
    // The same transaction wrote the rows and moved the checkpoints: all of it commits, or none.
    const xmins = await sql.query<{ x: string }>(`select xmin::text as x from t union select xmin::text from projection_generations`);
    expect(xmins).toHaveLength(1);
  });

  it('sends the statements of batches written side by side to their connection one at a time', async () => {
    // A connection runs one statement at a time (the driver's own queueing is deprecated): count
    // how many statements the transaction's connection was given at once.
    let inFlight = 0;
    let most = 0;
    const watched: SqlClient = {
      ...sql,
      transaction: (work) =>
        sql.transaction((tx) =>
          work({
            query: async (text, params) => {
              most = Math.max(most, ++inFlight);
              try {
                return await tx.query(text, params);
              } finally {
                inFlight -= 1;
              }
            },
            exec: tx.exec,
          }),
        ),
    };
    const group = new SqlCommitGroup(watched);
    const several = (prefix: string) => async (tx: SqlExecutor) => {
      await Promise.all([1, 2, 3].map((i) => tx.query('insert into t (k) values ($1)', [`${prefix}${i}`])));
    };
    await Promise.all([group.commit(several('d'), move('p1'), 3), group.commit(several('e'), move('p2'), 3)]);
    expect(group.transactions).toBe(1);
    expect(await keys()).toEqual(['d1', 'd2', 'd3', 'e1', 'e2', 'e3']);
    expect(most).toBe(1);
  });

  it('fails only the batch at fault: the others commit with their checkpoints, its writes and checkpoint are not', async () => {
    const group = new SqlCommitGroup(sql);
    const failing = async (tx: SqlExecutor) => {
      await tx.query("insert into t (k) values ('b-bad')");
      await tx.query('select * from no_such_table');
    };
    const results = await Promise.allSettled([group.commit(insert('b1'), move('p1'), 1), group.commit(failing, move('p2'), 1), group.commit(insert('b2'), move('p3'), 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['b1', 'b2']);
    expect(await checkpoints()).toEqual({ p1: '1:1', p2: null, p3: '1:1' });
  });

  it('refuses a batch whose checkpoint another runner moved, and commits the others of its group', async () => {
    await sql.query(`update projection_generations set checkpoint = '9:9' where name = 'p2'`);
    const group = new SqlCommitGroup(sql);
    const results = await Promise.allSettled([group.commit(insert('c1'), move('p1'), 1), group.commit(insert('c2'), move('p2'), 1)]);
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]!.status === 'rejected' && results[1]!.reason).toBeInstanceOf(CheckpointMovedError);
    expect(await keys()).toEqual(['c1']);
    expect(await checkpoints()).toEqual({ p1: '1:1', p2: '9:9', p3: null });
  });

  it('commits a large batch at once, in its own transaction, while a group waits on a lock', async () => {
    const group = new SqlCommitGroup(sql, 32, 100);
    // A group whose batch waits for a row lock held by another transaction until we let it go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = sql.transaction(async (tx) => {
      await tx.query("insert into t (k) values ('held')");
      locked();
      await released;
    });
    await isLocked;
    const waiting = group.commit(insert('held'), move('p1'), 1).catch((error: unknown) => error);
    await new Promise((r) => setTimeout(r, 50));
    await group.commit(insert('large'), move('p2'), 500);
    expect(await checkpoints()).toMatchObject({ p1: null, p2: '1:1' });
    release();
    await holding;
    expect(await waiting).toBeInstanceOf(Error); // the held key was taken: its batch fails alone
    expect(await keys()).toEqual(['held', 'large']);
  });
  it('commits without waiting for the WAL flush (synchronous_commit off), the checkpoint being in the same transaction', async () => {
    const settings: string[] = [];
    const seen = (tag: string) => async (tx: SqlExecutor) => {
      const [row] = await tx.query<{ s: string }>(`select current_setting('synchronous_commit') as s`);
      settings.push(row!.s);
      await tx.query('insert into t (k) values ($1)', [tag]);
    };
    const group = new SqlCommitGroup(sql);
    // Grouped, alone (one small work) and large (at once, in a transaction of its own).
    await Promise.all([group.commit(seen('g1'), move('p1'), 1), group.commit(seen('g2'), move('p2'), 1)]);
    await group.commit(seen('s1'), move('p3'), 1);
    await group.commit(seen('l1'), move('p1', '1:2', '1:1'), 1_000);
    expect(settings).toEqual(['off', 'off', 'off', 'off']);
    // Other transactions of the client keep the server's setting.
    expect(await sql.transaction(async (tx) => (await tx.query<{ s: string }>(`select current_setting('synchronous_commit') as s`))[0]!.s)).toBe('on');
  });

  it('a SQL client transaction with waitForFlush: false sets synchronous_commit off for that transaction only', async () => {
    const setting = (tx: SqlExecutor) => tx.query<{ s: string }>(`select current_setting('synchronous_commit') as s`).then((rows) => rows[0]!.s);
    expect(await sql.transaction(setting, { waitForFlush: false })).toBe('off');
    expect(await sql.transaction(setting, { waitForFlush: true })).toBe('on');
    expect(await sql.transaction(setting)).toBe('on');
    expect(await setting(sql)).toBe('on');
  });
});
