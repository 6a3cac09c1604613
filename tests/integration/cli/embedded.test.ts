/**
 * The CLI in embedded mode: it works directly on the data folder (PGlite), and while a running
 * server holds the folder it says so — naming the process — instead of failing obscurely.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChorusProcess } from '../../support/process.js';
import { runChorusCli } from '../../support/cli.js';

const SMALL = fileURLToPath(new URL('../../fixtures/catalog/small.json', import.meta.url));

/** No server URLs: embedded mode whatever the test runner's environment says. */
const EMBEDDED = { DATABASE_URL: '', ESDB_URL: '', REDIS_URL: '', KAFKA_BROKERS: '' };
const run = (args: string[], env: Record<string, string>) => runChorusCli(args, { ...EMBEDDED, ...env });

// Each test runs CLI processes (and a server) one after another, each opening PGlite: 20-30 s each
// on two cores beside another test file, so the default 60 s is too close.
describe('chorus CLI in embedded mode', { timeout: 180_000 }, () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chorus-cli-embedded-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('imports a catalog into the data folder, and reads it back with chorus events', async () => {
    const imported = await run(['catalog', 'import', SMALL], { CHORUS_DATA_DIR: dataDir });
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual({ artists: { added: 2, unchanged: 0 }, albums: { added: 3, unchanged: 0 }, events: 5 });

    const events = await run(['events', '--type', 'ArtistAdded'], { CHORUS_DATA_DIR: dataDir });
    expect(events.code).toBe(0);
    const artists = events.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { stream: string }).stream);
    expect(artists).toEqual(['catalog-ar-nova', 'catalog-ar-quiet']);
  });

  it('while a server holds the data folder, exits 1 naming the process that holds it', async () => {
    const server = await startChorusProcess({ CHORUS_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...EMBEDDED });
    try {
      const pid = server.child.pid!;
      for (const args of [['catalog', 'import', SMALL], ['events'], ['projections', 'status']]) {
        const result = await run(args, { CHORUS_DATA_DIR: dataDir });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain(`chorus: the data folder ${dataDir} is in use by process ${pid} (a running Chorus server?)`);
        expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      }
    } finally {
      await server.stop();
    }
    // Once the server has stopped, the folder is the CLI's again.
    const again = await run(['catalog', 'import', SMALL], { CHORUS_DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ events: 0 });
  });
});
