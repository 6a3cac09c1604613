/**
 * `chorus catalog import` as a real process against a fresh Postgres database: a valid catalog
 * imports, importing it again records nothing, and a file with problems — in its fields, in
 * conflict with the stored catalog, or not even JSON — is rejected with every problem and its
 * path, before anything is written.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import type { RecordedEvent } from '../../../gateways/event-store/port.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import type { SqlClient } from '../../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { runChorusCli } from '../../support/cli.js';

const run = (args: string[], env: Record<string, string>) => runChorusCli(args, { ESDB_URL: '', REDIS_URL: '', ...env });
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/catalog/${name}`, import.meta.url));


/** The problem lines of a rejected import (after its header line). */
const problemLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .map((line) => line.trim());

describe('chorus catalog import', () => {
  let db: TestDatabase;
  let sql: SqlClient;
  let store: PostgresEventStore;
  let env: Record<string, string>;
  let dir: string;

  /**
   * What the database holds, committed: rows, not a read through the store, whose readers wait
   * for transactions running elsewhere on the server before they see the newest events.
   */
  const stored = () => sql.query<{ n: number; last: string | null }>('select count(*)::int as n, max(seq)::text as last from es_events');
  const stream = async (name: string) => {
    const out: RecordedEvent[] = [];
    for await (const e of store.readStream(name)) out.push(e);
    return out;
  };

  beforeAll(async () => {
    db = await createTestDatabase('cli_catalog');
    sql = createPgClient({ connectionString: db.url });
    store = await PostgresEventStore.open(sql);
    env = { DATABASE_URL: db.url };
    dir = await mkdtemp(join(tmpdir(), 'chorus-cli-catalog-'));
  });

  afterAll(async () => {
    await store?.close();
    await sql?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a valid catalog: the summary counts what was added, and the events are in each artist stream', async () => {
    const result = await run(['catalog', 'import', fixture('small.json')], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ artists: { added: 2, unchanged: 0 }, albums: { added: 3, unchanged: 0 }, events: 5 });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);

    const nova = await stream('catalog-ar-nova');
    expect(nova.map((e) => e.type)).toEqual(['ArtistAdded', 'AlbumReleased', 'AlbumReleased']);
    expect(nova[0]!.data).toMatchObject({ artistId: 'ar-nova', name: 'Nova Lines', genres: ['electronic', 'synthpop'] });
    expect(nova[1]!.data).toMatchObject({ albumId: 'al-nova-1', title: 'Night Transit', releaseDate: '2021-03-05' });
    expect((nova[1]!.data.tracks as unknown[]).length).toBe(2);
    expect(nova[0]!.metadata).toMatchObject({ actorId: 'chorus-cli' });
    const quiet = await stream('catalog-ar-quiet');
    expect(quiet.map((e) => e.type)).toEqual(['ArtistAdded', 'AlbumReleased']);
    expect(quiet[1]!.data).toMatchObject({ albumId: 'al-quiet-1', releaseDate: '2019-11' });
  });

  it('importing the same file again records nothing', async () => {
    const before = await stored();
    const result = await run(['catalog', 'import', fixture('small.json')], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ artists: { added: 0, unchanged: 2 }, albums: { added: 0, unchanged: 3 }, events: 0 });
    expect(await stored()).toEqual(before);
  });

  it('reports every problem of a file with its path, and writes nothing', async () => {
    const before = await stored();
    const result = await run(['catalog', 'import', fixture('invalid.json')], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('8 problems; nothing was written');
    expect(problemLines(result.stderr)).toEqual([
      'artists[1].id: "bad id" must be 1-128 letters, digits or ._:@- (not starting with a symbol)',
      'artists[1].label: unknown field (allowed: id, name, genres)',
      'artists[1].name: must not be empty',
      'albums[0].releaseDate: "2020-02-30" must be a real date as YYYY, YYYY-MM or YYYY-MM-DD',
      'albums[0].tracks[1].durationMs: must be a whole number between 1 and 86400000, got -5',
      'albums[0].tracks[1].trackNumber: 1 is also the trackNumber of albums[0].tracks[0]',
      'albums[1].artistId: artist "ar-nobody" is neither in this file\'s artists nor already stored',
      'albums[1].tracks[0].id: track id "tr-ok-1" is also used by albums[0].tracks[0]',
    ]);
    expect(await stored()).toEqual(before);
  });

  it('rejects a re-import that conflicts with the stored catalog (same album id, other tracks) before writing anything', async () => {
    const before = await stored();
    // conflict.json adds a new artist and album first, then changes al-nova-1: none of it is written.
    const result = await run(['catalog', 'import', fixture('conflict.json')], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const problems = problemLines(result.stderr);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^albums\[1\]: album al-nova-1 exists with other content .*tr-nova-1 differs in title, durationMs.*\(CATALOG_CONFLICT\)$/);
    expect(await stored()).toEqual(before);
    expect(await stream('catalog-ar-fresh')).toEqual([]);
  });

  it('rejects album and track ids that another stored artist holds', async () => {
    const before = await stored();
    const result = await run(['catalog', 'import', fixture('track-taken.json')], env);
    expect(result.code).toBe(1);
    expect(problemLines(result.stderr)).toEqual([
      'albums[0].tracks[1].id: track "tr-quiet-2" already belongs to artist "ar-quiet", album "al-quiet-1" (CATALOG_CONFLICT)',
      'albums[1].id: album "al-quiet-1" already belongs to artist "ar-quiet" (CATALOG_CONFLICT)',
    ]);
    expect(await stored()).toEqual(before);
  });

  it('reports malformed JSON with its line and column, and a missing file, with exit code 1', async () => {
    const malformed = await run(['catalog', 'import', fixture('malformed.json')], env);
    expect(malformed.code).toBe(1);
    expect(problemLines(malformed.stderr)).toEqual([expect.stringMatching(/^invalid JSON at line 4, column 5: /)]);

    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, '{\n  "artists": [\n');
    const cut = await run(['catalog', 'import', truncated], env);
    expect(cut.code).toBe(1);
    expect(problemLines(cut.stderr)).toEqual([expect.stringMatching(/^invalid JSON at line 3, column 1: /)]);

    const missing = await run(['catalog', 'import', join(dir, 'nope.json')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^chorus: cannot read .*nope\.json: ENOENT\n$/);
  });

  it('--dry-run checks and counts a new catalog without writing it', async () => {
    const file = join(dir, 'new.json');
    await writeFile(
      file,
      JSON.stringify({
        artists: [{ id: 'ar-dry', name: 'Dry Run' }],
        albums: [{ id: 'al-dry', artistId: 'ar-dry', title: 'Maybe', releaseDate: '2025', tracks: [{ id: 'tr-dry', title: 'Perhaps', durationMs: 1, trackNumber: 1 }] }],
      }),
    );
    const before = await stored();
    const result = await run(['catalog', 'import', '--dry-run', file], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ artists: { added: 1, unchanged: 0 }, albums: { added: 1, unchanged: 0 }, events: 2 });
    expect(await stored()).toEqual(before);
  });

  it('needs exactly one file (exit code 2)', async () => {
    const none = await run(['catalog', 'import'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^chorus: catalog import: expected one FILE\.json[^\n]*\n$/);
  });
});
