/** The physical limit: one-row INSERT commits into a bare table, on a pg pool of the same size. */
import pg from 'pg';
import type { OpenOptions, Writer } from './target.js';

const TABLE = /* sql */ `create table if not exists bench_plain (id bigserial primary key, payload jsonb not null)`;

export async function openPlainInsert({ url, poolSize }: OpenOptions): Promise<Writer> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'chorus-bench-plain' });
  // An idle connection that the server ends (e.g. the database being dropped) must not crash us.
  pool.on('error', () => undefined);
  await pool.query(TABLE);
  return {
    async appendOne(_stream, event) {
      await pool.query('insert into bench_plain (payload) values ($1)', [JSON.stringify(event)]);
    },
    async appendBatch(_stream, events) {
      await pool.query('insert into bench_plain (payload) select * from unnest($1::jsonb[])', [events.map((e) => JSON.stringify(e))]);
    },
    close: () => pool.end(),
  };
}
