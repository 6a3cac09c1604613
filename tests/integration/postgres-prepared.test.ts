/**
 * The pg client prepares the statements it uses often (gateways/sql/statement-names.ts) on a real
 * PostgreSQL: a hot statement runs as a prepared statement on the server; a view replaced with other
 * columns under a prepared statement is read again at once outside a transaction, and inside one
 * fails as a passing error (the caller's retry reads it); with preparing off, nothing is prepared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgClient } from '../../gateways/sql/pg.js';
import { SqlConnectionError, type SqlClient } from '../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('pg client: prepared statements', () => {
  let db: TestDatabase;
  let sql: SqlClient;

  beforeAll(async () => {
    db = await createTestDatabase('prepared');
    // One connection, so that the statements of the test and the server's view of them meet.
    sql = createPgClient({ connectionString: db.url, max: 1 });
    await sql.exec(`create table t1 (k int primary key, a text); insert into t1 values (1, 'one'), (2, 'two');
                    create view v as select k, a from t1;`);
  });
  afterAll(async () => {
    await sql.close();
    await db.drop();
  });

  const prepared = () => sql.query<{ statement: string }>('select statement from pg_prepared_statements');

  it('runs a statement used often as a prepared statement, with the same results', async () => {
    const text = 'select a from t1 where k = $1';
    for (let i = 0; i < 5; i += 1) expect(await sql.query(text, [1])).toEqual([{ a: 'one' }]);
    expect(await sql.query(text, [2])).toEqual([{ a: 'two' }]);
    expect((await prepared()).map((p) => p.statement)).toContain(text);
  });

  it('reads a view replaced with other columns again, at once, outside a transaction', async () => {
    const text = 'select * from v where k = $1';
    for (let i = 0; i < 4; i += 1) expect(await sql.query(text, [1])).toEqual([{ k: 1, a: 'one' }]);
    expect((await prepared()).map((p) => p.statement)).toContain(text);
    await sql.exec(`drop view v; create view v as select k, a, upper(a) as b from t1;`);
    expect(await sql.query(text, [1])).toEqual([{ k: 1, a: 'one', b: 'ONE' }]);
    expect(await sql.query(text, [2])).toEqual([{ k: 2, a: 'two', b: 'TWO' }]);
  });

  it('fails a transaction that meets a stale statement with a passing error; the retry reads the new view', async () => {
    const text = 'select * from v where k = $1 and $2::int = 0';
    for (let i = 0; i < 4; i += 1) await sql.query(text, [1, 0]);
    await sql.exec(`drop view v; create view v as select k, a from t1;`);
    const read = () => sql.transaction((tx) => tx.query(text, [1, 0]));
    await expect(read()).rejects.toBeInstanceOf(SqlConnectionError);
    expect(await read()).toEqual([{ k: 1, a: 'one' }]);
  });

  it('sends array parameters that come back element for element (quotes, backslashes, braces, commas, NULL, empty)', async () => {
    const text = ['plain', 'a"b', 'c\\d', '\\"', '{x,y}', 'NULL', '', null, 'ünïcødé ✓', ' spaced '];
    const [row] = await sql.query<{ t: Array<string | null>; n: number[] }>('select $1::text[] as t, $2::int[] as n', [text, [1, -2, 3]]);
    expect(row!.t).toEqual(text);
    expect(row!.n).toEqual([1, -2, 3]);
  });

  it('prepares nothing when told not to', async () => {
    const plain = createPgClient({ connectionString: db.url, max: 1, prepareStatements: false });
    try {
      const text = 'select a from t1 where k = $1 and true';
      for (let i = 0; i < 5; i += 1) await plain.query(text, [1]);
      const rows = await plain.query<{ n: string }>('select count(*)::text as n from pg_prepared_statements where statement = $1', [text]);
      expect(rows).toEqual([{ n: '0' }]);
    } finally {
      await plain.close();
    }
  });
});
