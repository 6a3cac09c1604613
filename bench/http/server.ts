/**
 * The server process: `tsx bench/http/server.ts`. Runs Chorus as `npm start` does (loadConfig,
 * startChorus), apart from the load generator and the orchestrator, and answers for its own CPU
 * and event-loop use and the SQL round trips it made. Logs go to a file, not to the benchmark's
 * stdout.
 */
import { stat } from 'node:fs/promises';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../app/config.js';
import { startChorus, type RunningChorus } from '../../app/main.js';
import { CpuProfiler } from '../lib/cpu-profiler.js';
import { serveTasks } from '../lib/rpc.js';
import type { ServerTasks } from './protocol.js';
import { processUsage } from './usage.js';

let running: RunningChorus | undefined;
let logger: Logger | undefined;
let logPath: string | undefined;
const profiler = new CpuProfiler();

/** Every statement goes through pg.Client#query (pool queries too), one round trip each: count them. */
let sqlQueries = 0;
const clientPrototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const query = clientPrototype.query;
clientPrototype.query = function (this: unknown, ...args: unknown[]) {
  sqlQueries += 1;
  return query.apply(this, args);
};

serveTasks<ServerTasks>({
  async start({ env, logFile }) {
    if (running) throw new Error('Chorus is running already');
    const config = loadConfig(env);
    // pino's default destination (stdout) is synchronous too.
    logPath = logFile;
    logger = pino({ level: config.logLevel, base: { node: config.nodeId } }, pino.destination({ dest: logFile, sync: true }));
    running = await startChorus(config, logger);
    return { url: running.url };
  },
  usage: async () => ({ ...processUsage(), sqlQueries, logBytes: logPath ? (await stat(logPath)).size : 0 }),
  async setLogLevel({ level }) {
    if (!logger) throw new Error('Chorus is not running');
    logger.level = level;
  },
  startProfile: () => profiler.start(),
  stopProfile: ({ file }) => profiler.stop(file),
  async stop() {
    await running?.close();
    running = undefined;
  },
});
