/**
 * The SQL projections' group commit (projections/commit-group.ts) on a real PostgreSQL: the works
 * handed over together share one transaction; one that fails is rolled back alone, the others
 * commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { SqlCommitGroup } from '../../projections/commit-group.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('SQL projections: group commit', () => {
  let db: TestDatabase;
  let sql: SqlClient;

  beforeAll(async () => {
    db = await createTestDatabase('commit_group');
    sql = createPgClient({ connectionString: db.url, max: 4 });
    await sql.exec('create table t (k text primary key)');
  });
  afterAll(async () => {
    await sql.close();
    await db.drop();
  });

  const insert = (k: string) => async (tx: Pick<SqlClient, 'query'>) => {
    await tx.query('insert into t (k) values ($1)', [k]);
    const [row] = await tx.query<{ xid: string }>('select pg_current_xact_id()::text as xid');
    return row!.xid;
  };

  it('runs the works handed over together in one transaction', async () => {
    const group = new SqlCommitGroup(sql);
    const xids = await Promise.all(['a1', 'a2', 'a3', 'a4'].map((k) => group.transaction(insert(k))));
    expect(new Set(xids).size).toBe(1);
    expect(group.transactions).toBe(1);
    expect(group.works).toBe(4);
    const rows = await sql.query<{ k: string }>("select k from t where k like 'a%' order by k");
    expect(rows.map((r) => r.k)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('fails only the work at fault: the others commit, its writes are gone', async () => {
    const group = new SqlCommitGroup(sql);
    const failing = async (tx: Pick<SqlClient, 'query'>) => {
      await tx.query("insert into t (k) values ('b-bad')");
      await tx.query("insert into t (k) values ('a1')"); // a duplicate key
    };
    const results = await Promise.allSettled([group.transaction(insert('b1')), group.transaction(failing), group.transaction(insert('b2'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await sql.query<{ k: string }>("select k from t where k like 'b%' order by k");
    expect(rows.map((r) => r.k)).toEqual(['b1', 'b2']);
  });
});
