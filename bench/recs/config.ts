/**
 * Settings of the recommendations benchmark. A scale preset (BENCH_RECS_SCALE: tiny, small,
 * medium, full) sets the sizes; each size can be overridden (BENCH_RECS_USERS, _TRACKS, _PLAYS).
 * `full` is the target scale: 100,000 listeners, 50,000 tracks, 10,000,000 plays.
 */
import { envNumber } from '../lib/env.js';

export interface GeneratorConfig {
  seed: number;
  users: number;
  tracks: number;
  /** Plays to aim for (the history may end a little short: listeners stop at its end). */
  plays: number;
  genres: number;
  clusters: number;
  /** Days the history spans, from startMs. */
  days: number;
  startMs: number;
  zipfExponent: number;
  /** Share of albums released during the history. */
  newReleaseShare: number;
  /** Share of listeners whose taste drifts to another cluster over the history. */
  driftShare: number;
  /** Share of listeners who join during the history rather than before it. */
  lateJoinShare: number;
}

export type Scale = 'tiny' | 'small' | 'medium' | 'full';

const SCALES: Record<Scale, Pick<GeneratorConfig, 'users' | 'tracks' | 'plays' | 'genres' | 'clusters'>> = {
  tiny: { users: 300, tracks: 600, plays: 30_000, genres: 4, clusters: 6 },
  small: { users: 5_000, tracks: 5_000, plays: 500_000, genres: 10, clusters: 20 },
  medium: { users: 20_000, tracks: 20_000, plays: 2_000_000, genres: 16, clusters: 40 },
  full: { users: 100_000, tracks: 50_000, plays: 10_000_000, genres: 24, clusters: 80 },
};

export function generatorConfig(scale: Scale, seed = 1, overrides: Partial<GeneratorConfig> = {}): GeneratorConfig {
  return {
    seed,
    ...SCALES[scale],
    days: 120,
    startMs: Date.UTC(2025, 0, 1),
    zipfExponent: 1.0,
    newReleaseShare: 0.06,
    driftShare: 0.35,
    lateJoinShare: 0.25,
    ...overrides,
  };
}

export interface BenchConfig {
  scale: Scale;
  generator: GeneratorConfig;
  /** Share of the history's days (the last ones) held out as the test period. */
  testShare: number;
  /** Listeners evaluated (a seeded sample of those with something new in the test period). */
  evalUsers: number;
  /** Requests timed for the latency figures. */
  latencyRequests: number;
  /** Whether to run the Python peer (BENCH_RECS_PEER=0 skips it). */
  peer: boolean;
  /** Plays loaded into the running server for the freshness and HTTP latency phase (0 skips it). */
  serverPlays: number;
}

const scaleOf = (raw: string | undefined): Scale => {
  if (raw === undefined || raw === '') return 'small';
  if (raw in SCALES) return raw as Scale;
  throw new Error(`BENCH_RECS_SCALE must be one of ${Object.keys(SCALES).join(', ')}, got ${JSON.stringify(raw)}`);
};

export function readConfig(): BenchConfig {
  const scale = scaleOf(process.env.BENCH_RECS_SCALE);
  const preset = SCALES[scale];
  const generator = generatorConfig(scale, Math.round(envNumber('BENCH_RECS_SEED', 1)), {
    users: Math.round(envNumber('BENCH_RECS_USERS', preset.users)),
    tracks: Math.round(envNumber('BENCH_RECS_TRACKS', preset.tracks)),
    plays: Math.round(envNumber('BENCH_RECS_PLAYS', preset.plays)),
  });
  return {
    scale,
    generator,
    testShare: 0.1,
    evalUsers: Math.round(envNumber('BENCH_RECS_EVAL_USERS', scale === 'tiny' ? 200 : 3_000)),
    latencyRequests: Math.round(envNumber('BENCH_RECS_LATENCY_REQUESTS', 3_000)),
    peer: process.env.BENCH_RECS_PEER !== '0',
    serverPlays: process.env.BENCH_RECS_SERVER_PLAYS === '0' ? 0 : Math.round(envNumber('BENCH_RECS_SERVER_PLAYS', 200_000)),
  };
}
