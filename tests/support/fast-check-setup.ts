/**
 * Property tests take their seed and number of runs from the environment, so QA can replay a
 * failure: FC_SEED=<seed> FC_NUM_RUNS=<n> npm run test:property. A failing property prints its
 * seed, the path and the shrunk counterexample (fast-check's report).
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const numRuns = process.env.FC_NUM_RUNS === undefined ? undefined : Number(process.env.FC_NUM_RUNS);
if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
if (numRuns !== undefined && !(Number.isInteger(numRuns) && numRuns > 0)) {
  throw new Error(`FC_NUM_RUNS must be a positive integer, got ${process.env.FC_NUM_RUNS}`);
}

fc.configureGlobal({
  ...(seed === undefined ? {} : { seed }),
  ...(numRuns === undefined ? {} : { numRuns }),
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  verbose: fc.VerbosityLevel.Verbose,
});
