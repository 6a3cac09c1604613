/** `npm start` with no configuration: embedded mode on a fresh data folder, and a clean restart. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChorusProcess } from '../support/process.js';

describe('npm start (embedded mode)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chorus-e2e-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz and /readyz from a clean data folder, says what it runs on, and stops on SIGTERM', async () => {
    const chorus = await startChorusProcess({ CHORUS_DATA_DIR: dataDir });
    try {
      const health = await fetch(`${chorus.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${chorus.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: ['event-store', 'sql', 'cache', 'projections'].map((name) => ({ name, ok: true })),
      });
      expect(chorus.output()).toContain('PGlite in');
      expect(chorus.output()).toContain('set DATABASE_URL, ESDB_URL, REDIS_URL or KAFKA_BROKERS');
    } finally {
      expect(await chorus.stop('SIGTERM')).toBe(0);
    }
    expect(chorus.output()).toContain('"msg":"stopped"');
  });

  it('refuses a second process on the same data folder, and restarts on it after the first stops', async () => {
    const first = await startChorusProcess({ CHORUS_DATA_DIR: dataDir });
    try {
      await expect(startChorusProcess({ CHORUS_DATA_DIR: dataDir }, 30_000)).rejects.toThrow(/in use by process/);
    } finally {
      await first.stop();
    }
    const again = await startChorusProcess({ CHORUS_DATA_DIR: dataDir });
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
    expect(await again.stop()).toBe(0);
  });

  it('takes over the data folder after a kill -9 left its lock behind', async () => {
    const killed = await startChorusProcess({ CHORUS_DATA_DIR: dataDir });
    await killed.stop('SIGKILL');
    const next = await startChorusProcess({ CHORUS_DATA_DIR: dataDir });
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200);
    expect(await next.stop()).toBe(0);
  });

  it('rejects bad configuration with a clear message and exit code 2', async () => {
    await expect(startChorusProcess({ CHORUS_DATA_DIR: dataDir, PORT: 'eighty' }, 20_000)).rejects.toThrow(/PORT must be an integer/);
  });
});
