/**
 * Acknowledged appends survive kill -9: a child process appends and reports each acknowledged
 * event; we SIGKILL it mid-stream, reopen the store, and every acknowledged event is there, once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createPgliteClient } from '../../gateways/sql/pglite.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { createTestDatabase } from '../support/postgres.js';

async function appendThenKill(target: string, acknowledgedAtLeast: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/append-forever.ts', target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const deadline = Date.now() + 60_000;
  while (out.split('\n').length - 2 < acknowledgedAtLeast) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`appender stopped early:\n${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return out.split('\n').filter((line) => line && line !== 'ready');
}

/**
 * The stored ids, once every acknowledged one is visible (or after 30 s): on a shared server a
 * transaction of another test may hold readers back for a while (the gap rule, README), and the
 * killed process's last statement may still be finishing.
 */
async function storedIds(sql: SqlClient, acknowledged: readonly string[]): Promise<string[]> {
  const store = await PostgresEventStore.open(sql, { ownsClient: true });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ids: string[] = [];
      for await (const e of store.readAll({ filter: { streamPrefixes: ['crash-'] } })) ids.push(e.id);
      const seen = new Set(ids);
      if (acknowledged.every((id) => seen.has(id)) || Date.now() > deadline) return ids;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await store.close();
  }
}

describe('acknowledged appends survive kill -9', () => {
  it('on PGlite (embedded, file-backed)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chorus-kill9-'));
    try {
      const acknowledged = await appendThenKill(dir, 200);
      const stored = await storedIds(await createPgliteClient(dir), acknowledged);
      expect(new Set(stored).size).toBe(stored.length);
      const missing = acknowledged.filter((id) => !stored.includes(id));
      expect(missing).toEqual([]);
      // At most the one append in flight at the kill may be stored without its acknowledgement.
      expect(stored.length - acknowledged.length).toBeLessThanOrEqual(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on a PostgreSQL server', async () => {
    const db = await createTestDatabase('kill9');
    try {
      const acknowledged = await appendThenKill(db.url, 300);
      const stored = await storedIds(createPgClient({ connectionString: db.url }), acknowledged);
      expect(acknowledged.filter((id) => !stored.includes(id))).toEqual([]);
      expect(stored.length - acknowledged.length).toBeLessThanOrEqual(1);
    } finally {
      await db.drop();
    }
  });
});
