/** Settings of the HTTP benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export const SCENARIOS = ['healthz', 'plays', 'playlist', 'search'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Config {
  /** Length of each measured run (BENCH_SECONDS). */
  seconds: number;
  /** Untimed run of the same workload before each measured run (BENCH_WARMUP_SECONDS). */
  warmupSeconds: number;
  /** Concurrent keep-alive connections of the load generator (BENCH_CONNECTIONS). */
  connections: number;
  /** Users with dev tokens that the requests are spread over (BENCH_HTTP_USERS). */
  users: number;
  /** Run every scenario again with the log level at info (request logs on), for comparison (BENCH_HTTP_INFO_PASS=0 skips it). */
  infoPass: boolean;
  /** Profile the server during this scenario's measured run (BENCH_HTTP_PROFILE=plays|playlist|search|healthz). */
  profile: ScenarioName | undefined;
}

export function readConfig(): Config {
  const profile = process.env.BENCH_HTTP_PROFILE || undefined;
  if (profile !== undefined && !(SCENARIOS as readonly string[]).includes(profile)) {
    throw new Error(`BENCH_HTTP_PROFILE must be one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(profile)}`);
  }
  return {
    seconds: envNumber('BENCH_SECONDS', 15),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 3),
    connections: Math.round(envNumber('BENCH_CONNECTIONS', 50)),
    users: Math.round(envNumber('BENCH_HTTP_USERS', 300)),
    infoPass: process.env.BENCH_HTTP_INFO_PASS !== '0',
    profile: profile as ScenarioName | undefined,
  };
}
