/**
 * A Chorus node process: `tsx bench/player/chorus-node.ts`. Runs Chorus as `npm start` does
 * (loadConfig, startChorus: storage, projections, HTTP, the playlist and player sockets in one
 * process), logs to a file, and answers for its memory (after forced collections, once RSS settles).
 */
import { pino } from 'pino';
import { loadConfig } from '../../app/config.js';
import { startChorus, type RunningChorus } from '../../app/main.js';
import { CpuProfiler } from '../lib/cpu-profiler.js';
import { serveTasks } from '../lib/rpc.js';
import { sleep } from '../lib/timing.js';
import { memoryAfterGc } from '../sync/memory.js';
import type { ChorusTasks } from './protocol.js';

let running: RunningChorus | undefined;
const profiler = new CpuProfiler();

serveTasks<ChorusTasks>({
  async start({ env, logFile }) {
    if (running) throw new Error('Chorus is running already');
    const config = loadConfig(env);
    const logger = pino({ level: config.logLevel, base: { node: config.nodeId } }, pino.destination({ dest: logFile, sync: false }));
    running = await startChorus(config, logger);
    return { url: running.url, pid: process.pid };
  },
  async memory() {
    // V8 gives pages back to the system some time after a collection: read until RSS settles (within 1 MiB), at most 6 times.
    let last = await memoryAfterGc();
    for (let i = 0; i < 5; i += 1) {
      await sleep(500);
      const next = await memoryAfterGc();
      const settled = Math.abs(next.rss - last.rss) < 2 ** 20;
      last = next;
      if (settled) break;
    }
    return last;
  },
  startProfile: () => profiler.start(),
  stopProfile: ({ file }) => profiler.stop(file),
  async stop() {
    await running?.close();
    running = undefined;
  },
});
