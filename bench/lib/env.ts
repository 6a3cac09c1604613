/** Benchmark settings from the environment. */

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Where the Chorus nodes of a benchmark run their projections (BENCH_PROJECTIONS: `main`, the
 * default, or `thread`), as CHORUS_PROJECTIONS for the nodes' environment.
 */
export function projectionsEnv(): Record<string, string> {
  const place = process.env.BENCH_PROJECTIONS;
  if (place === undefined || place === '') return {};
  if (place !== 'thread' && place !== 'main') throw new Error(`BENCH_PROJECTIONS must be thread or main, got ${JSON.stringify(place)}`);
  return { CHORUS_PROJECTIONS: place };
}
