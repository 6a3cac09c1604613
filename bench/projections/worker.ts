/**
 * The history process: generates the history and loads it, then hands out live commands that
 * continue it. Its million events and the world's state live here, apart from the process that
 * measures the projections (their heap would otherwise weigh on its garbage collector).
 */
import { performance } from 'node:perf_hooks';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { serveTasks } from '../lib/rpc.js';
import { log } from '../lib/results.js';
import { formatRate } from '../lib/table.js';
import { createHistory, type Append, type History } from './history.js';
import type { Tasks } from './protocol.js';

let history: History | undefined;

/**
 * A connection plans es_append's statements once, and a plan made while es_events was nearly
 * empty scans the whole table on every later append (README.md): loaded through the same
 * connections from the first event, the load would slow down with every event. The writers'
 * connections are opened afresh once the store holds this many events.
 */
const FRESH_CONNECTIONS_AFTER = 20_000;

serveTasks<Tasks>({
  async load({ url, events, seed, days, endMs, writers }) {
    const generating = performance.now();
    history = createHistory({ events, seed, days, endMs });
    const generateSeconds = (performance.now() - generating) / 1_000;
    const { appends } = history;
    log(`history: ${formatRate(events)} events in ${formatRate(appends.length)} appends, generated in ${generateSeconds.toFixed(1)} s`);
    const loading = performance.now();
    let split = 0;
    for (let sum = 0; split < appends.length && sum < FRESH_CONNECTIONS_AFTER; split += 1) sum += appends[split]!.events.length;
    const loader = createLoader(appends, writers);
    for (const [from, to] of [[0, split], [split, appends.length]] as const) {
      const sql = createPgClient({ connectionString: url, max: writers, applicationName: 'chorus-bench-history' });
      const store = await PostgresEventStore.open(sql, { ownsClient: true });
      await loader.append(store, from, to).finally(() => store.close());
    }
    return {
      pid: process.pid,
      events,
      appends: appends.length,
      streams: new Set(appends.map((a) => a.stream)).size,
      counts: history.counts,
      generateSeconds,
      loadSeconds: (performance.now() - loading) / 1_000,
    };
  },
  async live({ count, startMs, intervalMs }) {
    if (!history) throw new Error('load the history first');
    return history.live(count, startMs, intervalMs);
  },
});

/**
 * `writers` loops take the appends in order; each waits for the appends it must follow (its
 * stream's previous one, and those that made what it refers to) before it appends.
 */
function createLoader(appends: readonly Append[], writers: number) {
  const done: Promise<void>[] = [];
  const total = appends.reduce((sum, a) => sum + a.events.length, 0);
  const started = performance.now();
  let appended = 0;
  let reported = started;
  return {
    async append(store: PostgresEventStore, from: number, to: number): Promise<void> {
      let next = from;
      const writer = async () => {
        while (next < to) {
          const append = appends[next]!;
          const committed = Promise.all(append.after.map((i) => done[i])).then(async () => {
            await store.append(append.stream, append.events);
          });
          done[next++] = committed;
          await committed;
          appended += append.events.length;
          if (performance.now() - reported > 10_000) {
            reported = performance.now();
            log(`history: ${formatRate(appended)} of ${formatRate(total)} events appended (${formatRate((appended * 1_000) / (reported - started))} events/s)`);
          }
        }
      };
      await Promise.all(Array.from({ length: writers }, writer));
    },
  };
}
