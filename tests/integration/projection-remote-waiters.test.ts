/**
 * Read-your-writes against projections run by another process: however many callers wait, this
 * process reads the registry about once every 20 ms for all of them (not once every 20 ms for each),
 * and each caller is answered as soon as the other process's checkpoint passes its position.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { Projections } from '../../projections/manager.js';
import type { SqlProjection } from '../../projections/projection.js';
import { usePostgresStore } from '../support/postgres-store.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

const counter: SqlProjection = {
  kind: 'sql',
  name: 'remote-ticks',
  version: 1,
  handles: ['Ticked'],
  tables: { ticks: (t) => `create table ${t} (stream text primary key, n int not null)` },
  async apply(tx, events, tables) {
    for (const e of events) {
      await tx.query(`insert into ${tables.ticks} (stream, n) values ($1, 1) on conflict (stream) do update set n = ${tables.ticks}.n + 1`, [e.stream]);
    }
  },
};

/** The same database, counting the statements this process sends. */
function counting(sql: SqlClient): { sql: SqlClient; reads: () => number } {
  let reads = 0;
  const counted = Object.create(sql) as SqlClient;
  counted.query = (...args: Parameters<SqlClient['query']>) => {
    reads += 1;
    return sql.query(...args);
  };
  return { sql: counted, reads: () => reads };
}

describe('waiting on projections run elsewhere', () => {
  const world = usePostgresStore('remote');

  it('reads the registry once per interval for every waiting caller, and answers each once the checkpoint passes it', async () => {
    const { sql, store } = world;
    const runner = new Projections({ store, sql, cache: new MemoryCache(), logger, pollMs: 100 }, [counter]);
    await runner.start();
    const watched = counting(sql);
    // Not started: it runs nothing, so it waits on the stored checkpoints of the process that does.
    const elsewhere = new Projections({ store, sql: watched.sql, cache: new MemoryCache(), logger }, [counter]);
    try {
      const CALLERS = 100;
      const started = performance.now();
      const waits: Array<Promise<void>> = [];
      for (let i = 0; i < CALLERS; i += 1) {
        const { position } = await store.append(`remote-${i % 10}`, [{ id: uuidv7(), type: 'Ticked', data: {} }]);
        waits.push(elsewhere.waitFor(['remote-ticks'], position, 10_000));
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(waits);
      const seconds = (performance.now() - started) / 1000;
      // One read every 20 ms at most while callers wait, plus slack for the first read of each burst.
      console.log(`[remote waiters] ${CALLERS} callers answered in ${seconds.toFixed(2)} s with ${watched.reads()} registry reads`);
      expect(watched.reads()).toBeLessThanOrEqual(Math.ceil(seconds * 50) + 10);
      expect(watched.reads()).toBeLessThan(CALLERS);
    } finally {
      await runner.stop();
    }
  });
});
