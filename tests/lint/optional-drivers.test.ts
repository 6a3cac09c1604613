/**
 * Drivers for what a deployment may not use are loaded when first used, not with the server: the
 * KurrentDB client (ESDB_URL), Kafka's (KAFKA_BROKERS, and the CLI's `kafka tail`) and sharp
 * (cover art). Each is megabytes of heap or tens of megabytes of RSS that every node would hold
 * otherwise (README, "Running"). Checked in a fresh process: the server's and the CLI's entry
 * modules are imported (as `npm start` and `chorus` import them), and what was resolved or
 * required says which packages came with them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONAL = ['@kurrent/kurrentdb-client', 'kafkajs', 'sharp'];

/**
 * Runs `script` (ESM, top-level await) in a new Node process with tsx; there, `await loaded()`
 * lists the optional packages that were loaded so far: resolved as ES modules (a resolve hook
 * reports every URL) or required as CommonJS (the module cache).
 */
function run(script: string): Record<string, unknown> {
  const hook = `let port; export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); port.postMessage(resolved.url); return resolved; }`;
  const prelude = `
    import { createRequire, register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const require = createRequire(${JSON.stringify(`${ROOT}package.json`)});
    const urls = new Set();
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (url) => urls.add(url));
    port1.unref();
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)}, { data: { port: port2 }, transferList: [port2] });
    const loaded = async () => {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the hook's last messages
      const names = new Set();
      for (const key of [...urls, ...Object.keys(require('node:module')._cache)]) {
        const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(key);
        if (match) names.add(match[1]);
      }
      return ${JSON.stringify(OPTIONAL)}.filter((name) => names.has(name));
    };
    const out = {};
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `${prelude}${script}\nconsole.log(JSON.stringify(out));`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const url = (path: string) => JSON.stringify(new URL(path, `file://${ROOT}`).href);

describe('optional drivers', () => {
  it('are not loaded with the server nor the CLI, and load when used', () => {
    const out = run(`
      await import(${url('app/main.ts')});
      await import(${url('app/cli-main.ts')});
      out.withEntries = await loaded();
      // A 1x1 PNG: describing it loads sharp.
      const { imageInfo } = await import(${url('gateways/media/images.ts')});
      out.info = await imageInfo(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64'));
      out.afterImage = await loaded();
      // The check sees a driver that is loaded (it cannot pass by seeing nothing).
      await import('kafkajs');
      await import('@kurrent/kurrentdb-client');
      out.afterAll = await loaded();
    `);
    expect(out.withEntries).toEqual([]);
    expect(out.info).toMatchObject({ mimeType: 'image/png', width: 1, height: 1 });
    expect(out.afterImage).toEqual(['sharp']);
    expect(out.afterAll).toEqual(OPTIONAL);
  });
});
