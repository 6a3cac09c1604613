/**
 * A Chorus node process: `tsx bench/player/chorus-node.ts`. Runs Chorus as `npm start` does
 * (loadConfig, startChorus: storage, projections, HTTP, the playlist and player sockets in one
 * process), logs to a file, and answers for its memory.
 */
import { pino } from 'pino';
import { loadConfig } from '../../app/config.js';
import { startChorus, type RunningChorus } from '../../app/main.js';
import { serveTasks } from '../lib/rpc.js';
import { memoryAfterGc } from '../sync/memory.js';
import type { ChorusTasks } from './protocol.js';

let running: RunningChorus | undefined;

serveTasks<ChorusTasks>({
  async start({ env, logFile }) {
    if (running) throw new Error('Chorus is running already');
    const config = loadConfig(env);
    const logger = pino({ level: config.logLevel, base: { node: config.nodeId } }, pino.destination({ dest: logFile, sync: false }));
    running = await startChorus(config, logger);
    return { url: running.url, pid: process.pid };
  },
  memory: () => memoryAfterGc(),
  async stop() {
    await running?.close();
    running = undefined;
  },
});
