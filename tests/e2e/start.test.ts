/** `npm start` with no configuration: embedded mode on a fresh data folder, and a clean restart. */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
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

  it('binds to 127.0.0.1 by default while dev tokens are on, and warns loudly when told to bind elsewhere', async () => {
    const local = await startChorusProcess({ CHORUS_DATA_DIR: dataDir, HOST: '' });
    try {
      expect(local.output()).toContain('Chorus listening on http://127.0.0.1:');
      expect(local.output()).not.toContain('WARNING: dev tokens are on');
      // Not reachable on the machine's other addresses.
      const port = Number(new URL(local.url).port);
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (outside) expect(await connects(outside, port)).toBe(false);
    } finally {
      await local.stop();
    }
    const exposed = await startChorusProcess({ CHORUS_DATA_DIR: dataDir, HOST: '0.0.0.0' });
    try {
      expect(exposed.output()).toMatch(/"level":40.*WARNING: dev tokens are on and Chorus listens on 0\.0\.0\.0/);
    } finally {
      await exposed.stop();
    }
  });

  it('rejects bad configuration with a clear message and exit code 2', async () => {
    await expect(startChorusProcess({ CHORUS_DATA_DIR: dataDir, PORT: 'eighty' }, 20_000)).rejects.toThrow(/PORT must be an integer/);
  });
});

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
