/**
 * The event-store benchmark: Chorus's Postgres event store against Emmett's (a peer) on the same
 * server, plus plain INSERT commits as the physical limit. See bench/README.md.
 */
import { writeResults } from '../lib/results.js';
import { spawnChild } from '../lib/rpc.js';
import { beginRun } from '../lib/run-context.js';
import { readConfig } from './config.js';
import type { System, Tasks } from './protocol.js';
import { formatReport } from './report-text.js';
import { buildReport, type Figures } from './report.js';
import type { Context, Worker } from './harness.js';
import { batchAppends, catchUp, singleAppends, subscriberLatency } from './scenarios.js';

const WORKER = new URL('./worker.ts', import.meta.url);
/** The code under test: our store and its SQL client. */
const MEASURED_SOURCES = ['gateways/event-store', 'gateways/sql'];

export async function run(): Promise<void> {
  const { startedAt, machine, code } = await beginRun(MEASURED_SOURCES);
  const config = readConfig();
  const spawned: Worker[] = [];
  const spawn = async (system: System) => {
    const worker = await spawnChild<Tasks>(WORKER, [system]);
    spawned.push(worker);
    return worker;
  };
  try {
    const ctx: Context = {
      config,
      workers: { ours: await spawn('ours'), peer: await spawn('peer'), plain: await spawn('plain') },
      listeners: { ours: await spawn('ours'), peer: await spawn('peer') },
    };
    const figures: Figures = {
      singles: await singleAppends(ctx),
      batches: await batchAppends(ctx),
      catchUp: await catchUp(ctx),
      latency: [
        { mode: 'same process', runs: await subscriberLatency(ctx, false) },
        { mode: 'other process', runs: await subscriberLatency(ctx, true) },
      ],
    };
    const report = buildReport(config, machine, code, figures, startedAt);
    console.log(formatReport(report));
    await writeResults('event-store', report);
  } finally {
    await Promise.all(spawned.map((worker) => worker.stop()));
  }
}
