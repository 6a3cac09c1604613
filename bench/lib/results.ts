/**
 * What every benchmark reports the same way: progress lines on stderr, targets met or not, and
 * its results as one JSON line on stdout and in bench/results/<name>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { formatRate } from './table.js';

export function log(message: string): void {
  console.error(`[bench] ${message}`);
}

export interface Target {
  target: string;
  actual: number;
  required: number;
  comparison: '>=' | '<';
  met: boolean;
}

export function target(name: string, actual: number | undefined, comparison: '>=' | '<', required: number): Target {
  const value = actual ?? Number.NaN;
  const met = comparison === '>=' ? value >= required : value < required;
  return { target: name, actual: value, required, comparison, met };
}

export function formatTargetValue(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 1_000 ? formatRate(value) : value.toFixed(2);
}

/** Rounds figures for JSON: whole numbers from 1,000 on, others to 0.01; NaN and infinities become null. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value)) return value;
  if (!Number.isFinite(value)) return null;
  return Math.abs(value) >= 1_000 ? Math.round(value) : Math.round(value * 100) / 100;
}

/** Prints `report` as one JSON line on stdout and writes it to bench/results/<name>.json. */
export async function writeResults(name: string, report: unknown): Promise<void> {
  const file = new URL(`../results/${name}.json`, import.meta.url);
  console.log(JSON.stringify(report, jsonNumbers));
  await mkdir(new URL('.', file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, jsonNumbers, 2)}\n`);
  log(`wrote ${file.pathname}`);
}
