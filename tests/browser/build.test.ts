/**
 * The client's build is the production build whatever NODE_ENV says. Vitest runs with
 * NODE_ENV=test, under which Vite would take the JSX development transform (source paths and line
 * numbers in the bundle, about 4 KiB gzip more); the browser tests' server builds web/dist that
 * way, and `npm start` or the web bench then served that build, its hash unchanged.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { expect, it } from 'vitest';

it('builds without the JSX development transform under a test runner', async () => {
  expect(process.env.NODE_ENV).toBe('test');
  const out = await mkdtemp(join(tmpdir(), 'chorus-web-build-'));
  try {
    await build({ configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    const assets = join(out, 'assets');
    const scripts = (await readdir(assets)).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const name of scripts) {
      const code = await readFile(join(assets, name), 'utf8');
      expect(code, name).not.toMatch(/lineNumber:\d+|columnNumber:\d+|jsxDEV/);
      expect(code, name).not.toContain(fileURLToPath(new URL('../../web/src/', import.meta.url)));
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
