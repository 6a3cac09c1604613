/**
 * The load generator's process: `tsx bench/http/load.ts`. autocannon runs here, not in the
 * orchestrator, so that its CPU use is its own and can be stated beside the server's.
 */
import autocannon from 'autocannon';
import { serveTasks } from '../lib/rpc.js';
import { percentileOfSorted } from '../lib/stats.js';
import type { LoadResult, LoadTasks } from './protocol.js';
import { processUsage, usageSince } from './usage.js';

serveTasks<LoadTasks>({
  async run({ url, connections, seconds, perConnection }) {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let nextClient = 0;
    const before = processUsage();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          connections,
          duration: seconds,
          requests: perConnection[0],
          setupClient: (client) => client.setRequests(perConnection[nextClient++ % perConnection.length]!),
        },
        (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
      );
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        latencies.push(responseTime);
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      });
    });
    const after = processUsage();
    const sorted = Array.from(Float64Array.from(latencies).sort());
    const at = (p: number) => percentileOfSorted(sorted, p);
    return {
      responses: latencies.length,
      seconds: result.duration,
      perSecond: latencies.length / result.duration,
      latency: { p50: at(50), p90: at(90), p99: at(99), max: at(100) },
      statuses,
      non2xx: Object.entries(statuses).reduce((sum, [status, count]) => (status.startsWith('2') ? sum : sum + count), 0),
      errors: result.errors,
      timeouts: result.timeouts,
      usage: usageSince(before, after),
    } satisfies LoadResult;
  },
});
