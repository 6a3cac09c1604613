/**
 * `npm run bench` runs every benchmark (each folder of bench/ with an index.ts exporting `run`);
 * `npm run bench -- <name>` runs the named ones.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';

interface Benchmark {
  run(): Promise<void>;
}

const BENCH_DIR = new URL('./', import.meta.url);

async function available(): Promise<string[]> {
  const entries = await readdir(BENCH_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/index.ts`, BENCH_DIR)))
    .map((entry) => entry.name)
    .sort();
}

async function main(): Promise<void> {
  const names = await available();
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${names.join(', ')}`);
    process.exit(2);
  }
  for (const name of requested.length > 0 ? requested : names) {
    console.error(`[bench] ${name}`);
    const benchmark = (await import(new URL(`${name}/index.ts`, BENCH_DIR).href)) as Benchmark;
    await benchmark.run();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
