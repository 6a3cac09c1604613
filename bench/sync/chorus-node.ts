/**
 * A Chorus node process: `tsx bench/sync/chorus-node.ts`. Runs Chorus as `npm start` does
 * (loadConfig, startChorus: storage, projections, HTTP and the sync server in one process), logs to
 * a file, and answers for its memory, for how long the sync server took to load documents from
 * the store (Room#load), for how long each edit waited from applied to stored (Room#stored), and
 * from applied to visible in the playlist-items read model (Projections#waitFor on the stored
 * position: the projections run in this process beside the sync server and the HTTP API), all
 * timed here from outside the code under test.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../../app/config.js';
import { startChorus, type RunningChorus } from '../../app/main.js';
import { Projections } from '../../projections/manager.js';
import { Room } from '../../sync-server/room.js';
import { CpuProfiler } from '../lib/cpu-profiler.js';
import { serveTasks } from '../lib/rpc.js';
import { memoryAfterGc } from './memory.js';
import type { ChorusTasks } from './protocol.js';

let running: RunningChorus | undefined;
let loadTimes: number[] = [];
let storeLags: number[] = [];
let visibleLags: number[] = [];
/** The node's projections (captured when they start), to wait for stored edits in the read model. */
let projections: Projections | undefined;
const VISIBLE_TIMEOUT_MS = 10_000;

const startProjections = Projections.prototype.start;
Projections.prototype.start = function (this: Projections) {
  capture(this);
  return startProjections.call(this);
};

function capture(started: Projections): void {
  projections = started;
}
const profiler = new CpuProfiler();

const load = Room.prototype.load;
Room.prototype.load = async function (this: Room) {
  const started = performance.now();
  await load.call(this);
  loadTimes.push(performance.now() - started);
};

const stored = Room.prototype.stored;
Room.prototype.stored = function (this: Room, items, edits, position) {
  const now = performance.now();
  for (const item of items) storeLags.push(now - item.at);
  stored.call(this, items, edits, position);
  const applied = items.map((item) => item.at);
  projections?.waitFor(['playlist-items'], position, VISIBLE_TIMEOUT_MS).then(
    () => {
      const visible = performance.now();
      for (const at of applied) visibleLags.push(visible - at);
    },
    () => {
      for (let i = 0; i < applied.length; i += 1) visibleLags.push(Number.POSITIVE_INFINITY);
    },
  );
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
  async takeStoreLags() {
    const taken = storeLags;
    storeLags = [];
    return taken;
  },
  async takeVisibleLags() {
    const taken = visibleLags;
    visibleLags = [];
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
      storeReadBacks: Number(/^chorus_sync_fanout_seconds_count\{path="store"\} (\S+)$/m.exec(text)?.[1] ?? 0),
      storeFills: value('chorus_sync_store_fills_total'),
    };
  },
  async stop() {
    await running?.close();
    running = undefined;
  },
});
