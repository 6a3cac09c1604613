/**
 * The scenarios, as the orchestrator runs them: the same calls for every system, on fresh
 * pre-loaded databases, systems interleaved run by run, a warm-up before each measured run.
 */
import type { LatencySummary } from '../lib/stats.js';
import { formatMs } from '../lib/table.js';
import { log } from '../lib/results.js';
import { STORES, interleave, perSecond, session, withDatabases, type Context, type Runs, type StoreSystem } from './harness.js';
import type { System } from './protocol.js';

export interface LatencyRun {
  latency: LatencySummary;
  ack: LatencySummary;
  sent: number;
  received: number;
  duplicates: number;
  maxPacerLagMs: number;
}

/** How long a subscriber may take to deliver the last events of a latency run. */
export const SUBSCRIBER_DRAIN_MS = 5_000;
/** Paced appends (delivered but not recorded) before each latency run. */
const LATENCY_WARMUP_SECONDS = 2;

export async function singleAppends(ctx: Context): Promise<{ writers: number; runs: Runs<System> }[]> {
  const systems: readonly System[] = ['ours', 'peer', 'plain'];
  return withDatabases(ctx, systems, 'single', ctx.config.preloadEvents, async (urls) => {
    const results = [];
    for (const writers of ctx.config.writerCounts) {
      const runs = await interleave(systems, ctx.config.reps, async (system) => {
        const worker = ctx.workers[system];
        return session(worker, urls[system], ctx.config.poolSize, async () => {
          await worker.call('appendSingles', { writers, seconds: ctx.config.warmupSeconds });
          return worker.call('appendSingles', { writers, seconds: ctx.config.seconds });
        });
      });
      results.push({ writers, runs: perSecond(runs, `single appends, ${writers} writer(s)`) });
    }
    return results;
  });
}

export async function batchAppends(ctx: Context): Promise<Runs<StoreSystem>> {
  const { batchSize, seconds, warmupSeconds } = ctx.config;
  return withDatabases(ctx, STORES, 'batch', ctx.config.preloadEvents, async (urls) => {
    const runs = await interleave(STORES, ctx.config.reps, async (system) => {
      const worker = ctx.workers[system];
      return session(worker, urls[system], ctx.config.poolSize, async () => {
        await worker.call('appendBatches', { writers: 1, batchSize, seconds: warmupSeconds });
        return worker.call('appendBatches', { writers: 1, batchSize, seconds });
      });
    });
    return perSecond(runs, `${batchSize}-event batches`);
  });
}

export async function catchUp(ctx: Context): Promise<Runs<StoreSystem>> {
  const { catchUpEvents } = ctx.config;
  return withDatabases(ctx, STORES, 'catchup', catchUpEvents, async (urls) => {
    const runs = await interleave(STORES, ctx.config.reps, async (system) => {
      const worker = ctx.workers[system];
      return session(worker, urls[system], ctx.config.poolSize, async () => {
        await worker.call('readAll', {});
        const result = await worker.call('readAll', {});
        if (result.units !== catchUpEvents) throw new Error(`${system} read ${result.units} of ${catchUpEvents} events`);
        return result;
      });
    });
    return perSecond(runs, 'readAll catch-up');
  });
}

export async function subscriberLatency(ctx: Context, apart: boolean): Promise<Record<StoreSystem, LatencyRun[]>> {
  const { latencyRate, latencySeconds, poolSize } = ctx.config;
  const label = apart ? 'subscriber in another process' : 'subscriber in the writer process';
  return withDatabases(ctx, STORES, 'latency', ctx.config.preloadEvents, (urls) =>
    interleave(STORES, ctx.config.reps, async (system) => {
      const writer = ctx.workers[system];
      const subscriber = apart ? ctx.listeners[system] : writer;
      return session(writer, urls[system], poolSize, async () => {
        const run = async () => {
          await subscriber.call('startSubscriber', {});
          await writer.call('pacedAppends', { perSecond: latencyRate, seconds: LATENCY_WARMUP_SECONDS });
          const paced = await writer.call('pacedAppends', { perSecond: latencyRate, seconds: latencySeconds });
          const delivered = await subscriber.call('stopSubscriber', {
            from: paced.from,
            to: paced.to,
            expected: paced.launched,
            timeoutMs: SUBSCRIBER_DRAIN_MS,
          });
          const result: LatencyRun = {
            latency: delivered.latency,
            ack: paced.ack,
            sent: paced.launched,
            received: delivered.received,
            duplicates: delivered.duplicates,
            maxPacerLagMs: paced.maxLagMs,
          };
          log(
            `latency (${label}) ${system}: p50 ${formatMs(result.latency.p50)} ms, p99 ${formatMs(result.latency.p99)} ms, ` +
              `${result.received}/${result.sent} delivered`,
          );
          return result;
        };
        return apart ? session(subscriber, urls[system], poolSize, run) : run();
      });
    }),
  );
}
