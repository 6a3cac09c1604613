/** Shared settings for property tests: FC_NUM_RUNS overrides each property's default run count. */
import type fc from 'fast-check';

export function propertyParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const fromEnv = process.env.FC_NUM_RUNS === undefined ? undefined : Number(process.env.FC_NUM_RUNS);
  return { numRuns: fromEnv ?? defaultRuns };
}
