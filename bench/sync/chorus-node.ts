/**
 * A Chorus node process: `tsx bench/sync/chorus-node.ts`. Runs Chorus as `npm start` does
 * (loadConfig, startChorus: storage, projections, HTTP and the sync server in one process), logs to
 * a file, and answers for its memory and for how long the sync server took to load documents
 * from the store (Room#load, timed here from outside the code under test).
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../../app/config.js';
import { startChorus, type RunningChorus } from '../../app/main.js';
import { Room } from '../../sync-server/room.js';
import { CpuProfiler } from '../lib/cpu-profiler.js';
import { serveTasks } from '../lib/rpc.js';
import { memoryAfterGc } from './memory.js';
import type { ChorusTasks } from './protocol.js';

let running: RunningChorus | undefined;
let loadTimes: number[] = [];
const profiler = new CpuProfiler();

const load = Room.prototype.load;
Room.prototype.load = async function (this: Room) {
  const started = performance.now();
  await load.call(this);
  loadTimes.push(performance.now() - started);
};

serveTasks<ChorusTasks>({
  async start({ env, logFile }) {
    if (running) throw new Error('Chorus is running already');
    const config = loadConfig(env);
    const logger = pino({ level: config.logLevel, base: { node: config.nodeId } }, pino.destination({ dest: logFile, sync: false }));
    running = await startChorus(config, logger);
    return { url: running.url, pid: process.pid };
  },
  memory: () => memoryAfterGc(),
  startProfile: () => profiler.start(),
  stopProfile: ({ file }) => profiler.stop(file),
  async takeLoadTimes() {
    const taken = loadTimes;
    loadTimes = [];
    return taken;
  },
  async syncState() {
    if (!running) throw new Error('Chorus is not running');
    const text = await (await fetch(`${running.url}/metrics`)).text();
    const value = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    return {
      rooms: value('chorus_sync_documents_loaded'),
      connections: value('chorus_sync_connections'),
      stores: value('chorus_sync_store_seconds_count'),
      storeSeconds: value('chorus_sync_store_seconds_sum'),
      editsStored: value('chorus_sync_edits_stored_total'),
    };
  },
  async stop() {
    await running?.close();
    running = undefined;
  },
});
