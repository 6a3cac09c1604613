/**
 * `chorus events` as a real process against a fresh Postgres database: NDJSON equal to readAll,
 * --from (exclusive), repeatable filters, --limit, --follow until SIGTERM, a bad --from, and a
 * reader that goes away early (`| head -1`).
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEnvelope, type EventEnvelope } from '../../../gateways/event-store/envelope.js';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import type { NewEvent, RecordedEvent } from '../../../gateways/event-store/port.js';
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import type { SqlClient } from '../../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { runChorusCli, startChorusCli } from '../../support/cli.js';

const NO_OTHER_SERVERS = { ESDB_URL: '', REDIS_URL: '' };
const start = (args: string[], env: Record<string, string>) => startChorusCli(args, { ...NO_OTHER_SERVERS, ...env });
const run = (args: string[], env: Record<string, string>) => runChorusCli(args, { ...NO_OTHER_SERVERS, ...env });



const lines = (text: string): EventEnvelope[] =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as EventEnvelope);

const asJson = (events: RecordedEvent[]): EventEnvelope[] => events.map((e) => JSON.parse(JSON.stringify(toEnvelope(e))) as EventEnvelope);

const event = (type: string, data: Record<string, string | number> = {}): NewEvent => ({
  id: uuidv7(),
  type,
  data,
  metadata: { actorId: 'test', correlationId: uuidv7() },
});

/** Readers see an event once no transaction that began before it is running (anywhere on the server). */
async function visible(store: PostgresEventStore, position: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (store.comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error(`position ${position} did not become visible`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A stack trace or an unhandled error on stderr. */
const crashed = (stderr: string) => /\n\s+at |Unhandled|EPIPE|Error:/.test(stderr);

describe('chorus events', () => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;
  let env: Record<string, string>;
  let all: RecordedEvent[];

  const readAll = async (options?: Parameters<PostgresEventStore['readAll']>[0]) => {
    const out: RecordedEvent[] = [];
    for await (const e of store.readAll(options)) out.push(e);
    return out;
  };

  beforeAll(async () => {
    db = await createTestDatabase('cli_events');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql);
    env = { DATABASE_URL: db.url };
    await store.append('catalog-ar1', [event('ArtistAdded', { artistId: 'ar1', name: 'One' })]);
    for (let u = 1; u <= 3; u += 1) {
      await store.append(`user-u${u}`, [event('UserRegistered', { userId: `u${u}` })]);
      await store.append(
        `listens-u${u}`,
        Array.from({ length: 5 }, (_, i) => event('TrackPlayed', { trackId: `t${i}`, msPlayed: 1000 * i })),
      );
      await store.append(`user-u${u}`, [event('ArtistFollowed', { artistId: 'ar1' })]);
    }
    const last = await store.append('catalog-ar2', [event('ArtistAdded', { artistId: 'ar2', name: 'Two' })]);
    await visible(store, last.position);
    all = await readAll();
  });

  afterAll(async () => {
    await store?.close();
    await sql?.close();
    await db?.drop();
  });

  it('prints every event as an NDJSON envelope, in global order, equal to readAll', async () => {
    const result = await run(['events'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(all).toHaveLength(23);
    expect(lines(result.stdout)).toEqual(asJson(all));
  });

  it('starts after --from (exclusive)', async () => {
    const from = all[9]!.position;
    const result = await run(['events', '--from', from], env);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual(asJson(all.slice(10)));
    const atEnd = await run(['events', '--from', all[all.length - 1]!.position], env);
    expect(atEnd.code).toBe(0);
    expect(atEnd.stdout).toBe('');
  });

  it('filters by --type and --stream-prefix, each repeatable, and stops after --limit', async () => {
    const types = await run(['events', '--type', 'ArtistAdded', '--type', 'ArtistFollowed'], env);
    expect(types.code).toBe(0);
    expect(lines(types.stdout)).toEqual(asJson(all.filter((e) => e.type === 'ArtistAdded' || e.type === 'ArtistFollowed')));
    expect(lines(types.stdout)).toHaveLength(5);

    const prefixes = await run(['events', '--stream-prefix', 'catalog-', '--stream-prefix', 'user-u2'], env);
    expect(prefixes.code).toBe(0);
    expect(lines(prefixes.stdout)).toEqual(asJson(all.filter((e) => e.stream.startsWith('catalog-') || e.stream === 'user-u2')));

    const both = await run(['events', '--stream-prefix', 'listens-', '--type', 'TrackPlayed', '--limit', '7', '--from', all[0]!.position], env);
    expect(both.code).toBe(0);
    expect(lines(both.stdout)).toEqual(asJson(all.filter((e) => e.type === 'TrackPlayed').slice(0, 7)));
  });

  it('rejects a bad --from or --limit with exit code 2 and one line on stderr', async () => {
    const bad = await run(['events', '--from', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^chorus: --from: invalid position "yesterday"[^\n]*\n$/);
    const limit = await run(['events', '--limit', '0'], env);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toMatch(/^chorus: --limit must be a whole number[^\n]*\n$/);
  });

  it('--follow prints events appended after it started, and exits 0 on SIGTERM', async () => {
    const head = await store.headPosition();
    const child = start(['events', '--follow', '--from', head, '--type', 'TrackPlayed'], env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = once(child, 'close');
    try {
      await store.append('user-u9', [event('UserRegistered', { userId: 'u9' })]);
      const appended = await store.append('listens-u9', [event('TrackPlayed', { trackId: 'live' })]);
      await until(() => stdout.includes('"live"'), 'the live event');
      const printed = lines(stdout);
      expect(printed).toHaveLength(1);
      expect(printed[0]).toMatchObject({ type: 'TrackPlayed', stream: 'listens-u9', position: appended.position, data: { trackId: 'live' } });
      child.kill('SIGTERM');
      const [code] = (await closed) as [number | null];
      expect(code).toBe(0);
      expect(crashed(stderr)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops quietly with exit code 0 when its reader goes away (| head -1), following or not', async () => {
    // Enough output to fill the pipe: the writer must wait for the reader, then find it gone.
    const big = 'x'.repeat(2_000);
    for (let batch = 0; batch < 6; batch += 1) {
      const appended = await store.append(`bulk-b${batch}`, Array.from({ length: 500 }, (_, i) => event('Bulk', { i, big })));
      await visible(store, appended.position);
    }
    for (const args of [['events'], ['events', '--follow']]) {
      const child = start(args, env);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const closed = once(child, 'close');
      let first = '';
      await new Promise<void>((resolve) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          first += chunk.toString();
          if (first.includes('\n')) {
            child.stdout!.destroy();
            resolve();
          }
        });
      });
      expect(() => JSON.parse(first.slice(0, first.indexOf('\n')))).not.toThrow();
      // A follower notices at its next write: give it something to write.
      const feeder = setInterval(() => void store.append('user-u1', [event('Ping')]).catch(() => undefined), 200);
      try {
        const [code, signal] = (await closed) as [number | null, NodeJS.Signals | null];
        expect({ code, signal }).toEqual({ code: 0, signal: null });
        expect(crashed(stderr)).toBe(false);
      } finally {
        clearInterval(feeder);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  });
});
