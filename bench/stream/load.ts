/**
 * The load process: `tsx bench/stream/load.ts`. Listeners starting streams (timed to the first
 * byte of media) and Range reads run here, both on node:http with keep-alive agents, apart from the servers and the
 * orchestrator, so that their CPU use is their own.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { processUsage, usageSince } from '../http/usage.js';
import { serveTasks } from '../lib/rpc.js';
import { percentileOfSorted } from '../lib/stats.js';
import { paced } from '../lib/timing.js';
import type { RangesResult, StartPlan, StartSchedule, StartsResult, StreamLoadTasks } from './protocol.js';

interface Answer {
  status: number;
  /** performance.now() when the first byte of the body arrived (or the headers, for an empty body). */
  firstByteAt: number;
  body: Buffer;
}

/** GETs `url`; resolves once the whole body is read (so the connection goes back to the pool). */
function get(agent: Agent, url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (response: IncomingMessage) => {
      let firstByteAt: number | undefined;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        firstByteAt ??= performance.now();
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, firstByteAt: firstByteAt ?? performance.now(), body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function starts(plan: StartPlan, schedule: StartSchedule, rangeBytes: number): Promise<StartsResult> {
  const count = plan.kind === 'chorus' ? plan.listeners.length : plan.listeners;
  const agent = new Agent({ keepAlive: true, maxSockets: count * 2 });
  const range = { range: `bytes=0-${rangeBytes - 1}` };
  const firstByteMs: number[] = [];
  const offerMs: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;

  const start = async (listener: number, round: number) => {
    const t0 = performance.now();
    let media: Answer;
    if (plan.kind === 'chorus') {
      const trackId = plan.trackIds[(listener + round) % plan.trackIds.length]!;
      const offer = await get(agent, `${plan.base}/v1/tracks/${trackId}/stream`, { authorization: `Bearer ${plan.listeners[listener]!.token}` });
      if (offer.status !== 200) throw new Error(`stream request answered ${offer.status}: ${offer.body.toString('utf8').slice(0, 200)}`);
      offerMs.push(performance.now() - t0);
      const { url } = JSON.parse(offer.body.toString('utf8')) as { url: string };
      media = await get(agent, `${plan.base}${url}`, range);
    } else {
      media = await get(agent, `${plan.base}${plan.paths[(listener + round) % plan.paths.length]!}`, range);
    }
    statuses[media.status] = (statuses[media.status] ?? 0) + 1;
    if (media.status === 206 && media.body.length === rangeBytes) firstByteMs.push(media.firstByteAt - t0);
  };

  const attempt = async (listener: number, round: number) => {
    try {
      await start(listener, round);
    } catch {
      errors += 1;
    }
  };
  const before = processUsage();
  const t0 = performance.now();
  if (schedule.kind === 'burst') {
    await Promise.all(
      Array.from({ length: count }, async (_, listener) => {
        for (let round = 0; round < schedule.rounds; round += 1) await attempt(listener, round);
      }),
    );
  } else {
    await paced(schedule.perSecond, schedule.seconds, (index) => attempt(index % count, Math.floor(index / count)));
  }
  const seconds = (performance.now() - t0) / 1000;
  const usage = usageSince(before, processUsage());
  agent.destroy();
  return { firstByteMs, offerMs, statuses, errors, seconds, usage };
}

/** Sends one GET and counts the body's bytes without keeping them. */
function drain(agent: Agent, url: string, headers: Record<string, string>): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (response: IncomingMessage) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Closed loop: `connections` keep-alive connections, each sending its next request as soon as the
 * previous answer is read, for `seconds`. (Not autocannon: its client appends every body chunk to
 * a string, which caps it near 30 MB/s on this machine whatever the server; see bench/README.md.)
 */
async function ranges(args: StreamLoadTasks['ranges']['args']): Promise<RangesResult> {
  const { base, connections, seconds, perConnection } = args;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let bodyBytes = 0;
  let errors = 0;
  const before = processUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const requests = perConnection[c % perConnection.length]!;
      for (let i = 0; performance.now() < deadline; i += 1) {
        const next = requests[i % requests.length]!;
        const t0 = performance.now();
        try {
          const answer = await drain(agent, `${base}${next.path}`, next.headers ?? {});
          latencies.push(performance.now() - t0);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          if (answer.status === 206) bodyBytes += answer.bytes;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const usage = usageSince(before, processUsage());
  agent.destroy();
  const sorted = Array.from(Float64Array.from(latencies).sort());
  return {
    responses: latencies.length,
    seconds: elapsed,
    statuses,
    bodyBytes,
    latency: { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99) },
    errors,
    usage,
  };
}

serveTasks<StreamLoadTasks>({
  starts: ({ plan, schedule, rangeBytes }) => starts(plan, schedule, rangeBytes),
  ranges,
});
