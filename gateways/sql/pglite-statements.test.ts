import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { PgliteStatements } from './pglite-statements.js';

let db: PGlite;
let statements: PgliteStatements;

beforeAll(async () => {
  db = await PGlite.create();
  statements = new PgliteStatements(db);
  await db.exec(`
    create table items (id bigint primary key, name text not null, tags text[], doc jsonb, at timestamptz, ok boolean, score double precision);
    create view item_names as select id, name from items;
  `);
});

afterAll(async () => {
  await db.close();
});

/** Runs `text` five times through the statements (named from the third use) and once through PGlite's query. */
async function bothWays(text: string, params: Parameters<PgliteStatements['query']>[2]) {
  const ours = [];
  for (let i = 0; i < 5; i += 1) ours.push(await statements.query(db, text, params, false));
  const theirs = (await db.query(text, params as unknown[])).rows;
  return { ours, theirs };
}

describe('PGlite statements (named, one exchange a call)', () => {
  it('return what PGlite’s query returns, with the same parameter serializers and row parsers', async () => {
    await db.query(`insert into items values (1, 'one', '{a,"b c",null}', '{"k":[1,2]}', '2026-01-02T03:04:05.678Z', true, 1.5)`);
    const text = 'select id, name, tags, doc, at, ok, score, $1::int8 as n, $2::text[] as list, $3::timestamptz as t, $4::jsonb as j, $5::text as nothing from items where id = $6';
    const params = [42, ['x', null, 'y z'], new Date('2026-05-06T07:08:09.000Z'), '{"a":1}', null, 1];
    const { ours, theirs } = await bothWays(text, params);
    expect(theirs).toHaveLength(1);
    for (const rows of ours) expect(rows).toEqual(theirs);
    expect(theirs[0]).toMatchObject({ id: 1, name: 'one', tags: ['a', 'b c', null], doc: { k: [1, 2] }, ok: true, score: 1.5, n: 42, list: ['x', null, 'y z'], j: { a: 1 }, nothing: null });
  });

  it('run writes: each call once, rows returned by RETURNING, none for a plain UPDATE', async () => {
    for (let id = 10; id < 15; id += 1) {
      const rows = await statements.query(db, 'insert into items (id, name) values ($1, $2) returning id, name', [id, `n${id}`], false);
      expect(rows).toEqual([{ id, name: `n${id}` }]);
    }
    for (let i = 0; i < 4; i += 1) expect(await statements.query(db, 'update items set score = $1 where id = $2', [i, 10], false)).toEqual([]);
    expect((await db.query('select count(*)::int as n from items where id between 10 and 14')).rows).toEqual([{ n: 5 }]);
  });

  it('fail as PGlite does (SQLSTATE, constraint), and the session carries on', async () => {
    const insert = 'insert into items (id, name) values ($1, $2)';
    for (let i = 0; i < 3; i += 1) await statements.query(db, insert, [100 + i, 'x'], false);
    const error = await statements.query(db, insert, [100, 'again'], false).then(
      () => undefined,
      (e: unknown) => e as { code?: string; constraint?: string; severity?: string },
    );
    expect(error).toMatchObject({ code: '23505', constraint: 'items_pkey', severity: 'ERROR' });
    expect(await statements.query(db, 'select name from items where id = $1', [100], false)).toEqual([{ name: 'x' }]);
  });

  it('inside a transaction: roll back with it; a handle that has ended is refused', async () => {
    const insert = 'insert into items (id, name) values ($1, $2)';
    let handle: Parameters<PgliteStatements['query']>[0] | undefined;
    await db
      .transaction(async (tx) => {
        handle = tx;
        for (let i = 0; i < 4; i += 1) await statements.query(tx, insert, [200 + i, 'in tx'], true);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect((await db.query('select count(*)::int as n from items where id >= 200')).rows).toEqual([{ n: 0 }]);
    await expect(statements.query(handle!, insert, [300, 'late'], true)).rejects.toThrow('Transaction is closed');
  });

  it('wait, outside a transaction, for the open transaction to end', async () => {
    const count = 'select count(*)::int as n from items where id >= 400';
    for (let i = 0; i < 3; i += 1) await statements.query(db, count, [], false);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = db.transaction(async (tx) => {
      await tx.query("insert into items (id, name) values (400, 'held')");
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    let answered: unknown;
    const outside = statements.query(db, count, [], false).then((rows) => (answered = rows));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBeUndefined();
    release();
    await open;
    await outside;
    expect(answered).toEqual([{ n: 1 }]);
  });

  it('prepare a statement afresh when a replaced view changed its columns', async () => {
    const text = 'select * from item_names where id = $1';
    for (let i = 0; i < 4; i += 1) expect(await statements.query(db, text, [1], false)).toEqual([{ id: 1, name: 'one' }]);
    await db.exec('create or replace view item_names as select id, name, ok from items');
    expect(await statements.query(db, text, [1], false)).toEqual([{ id: 1, name: 'one', ok: true }]);
  });
});
