/**
 * The peer: the stock y-websocket server, `bin/server.js` of y-websocket 1.5.4 (installed as
 * `y-websocket-stock`), which serves every connection with `bin/utils.js`'s setupWSConnection:
 * documents in memory only (no YPERSISTENCE), no auth. Run as it is, in a process of its own,
 * with the same memory probe as the Chorus nodes. Its start-up line goes to stderr, not to the
 * benchmark's stdout.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serveTasks } from '../lib/rpc.js';
import { sleep } from '../lib/timing.js';
import { memoryAfterGc } from './memory.js';
import type { StockTasks } from './protocol.js';

const require = createRequire(import.meta.url);
let started = false;

serveTasks<StockTasks>({
  async start({ port }) {
    if (started) throw new Error('the stock server is running already');
    started = true;
    process.env.HOST = '127.0.0.1';
    process.env.PORT = String(port);
    console.log = (...args: unknown[]) => console.error('[stock y-websocket]', ...args);
    // The package's exports do not list bin/server.js; its file path does not go through them.
    require(join(dirname(require.resolve('y-websocket-stock/package.json')), 'bin', 'server.js'));
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        if ((await fetch(url)).ok) break;
      } catch {
        if (attempt > 200) throw new Error(`the stock server did not listen on ${url}`);
        await sleep(50);
      }
    }
    return { url, pid: process.pid };
  },
  memory: () => memoryAfterGc(),
  async stop() {
    // bin/server.js keeps no handle to close; the process ends when the orchestrator lets go.
  },
});
