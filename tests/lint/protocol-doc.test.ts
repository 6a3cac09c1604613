/**
 * sync-server/PROTOCOL.md against the code: every close code the sync server can send has its row
 * in a close table (and every 44xx/45xx row is a code the server has), and every limit of
 * sync-server/limits.ts has its row in the limits table, with its default and, when app/config.ts
 * reads one, its environment variable and minimum.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLOSE, DEFAULT_LIMITS } from '../../sync-server/limits.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const PROTOCOL = read('sync-server/PROTOCOL.md');

/** Source without its comments (a comment may name a range, `4500-4599`, that is no code). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** Application close codes (4400-4599) written in the sync server's sources. */
function closeCodesInSource(): Set<number> {
  const dir = join(ROOT, 'sync-server');
  const codes = new Set<number>();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    for (const match of code(readFileSync(join(dir, file), 'utf8')).matchAll(/\b4[45]\d\d\b/g)) codes.add(Number(match[0]));
  }
  return codes;
}

/** The row of a markdown table whose first cell is `cell` (in backticks). */
function row(cell: string): string | undefined {
  return PROTOCOL.split('\n').find((line) => line.startsWith(`| \`${cell}\` |`));
}

describe('sync-server/PROTOCOL.md', () => {
  it('has a close-table row for every close code of the sync server', () => {
    const codes = new Set<number>([...Object.values(CLOSE), ...closeCodesInSource()]);
    // The search finds the codes, so a pass means something: 4403 is written as a number in limits.ts.
    expect(closeCodesInSource()).toContain(CLOSE.FORBIDDEN);
    const missing = [...codes].filter((c) => row(String(c)) === undefined).sort();
    expect(missing, 'close codes without a row in a close table of PROTOCOL.md').toEqual([]);
  });

  it('documents no 44xx/45xx close code the server does not have', () => {
    const known = new Set<number>(Object.values(CLOSE));
    const documented = [...PROTOCOL.matchAll(/^\| `(4[45]\d\d)` \|/gm)].map((m) => Number(m[1]));
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((c) => !known.has(c))).toEqual([]);
  });

  it('has a limits row for every limit, with its default', () => {
    for (const [key, value] of Object.entries(DEFAULT_LIMITS)) {
      const line = row(key);
      expect(line, `no row for ${key}`).toBeDefined();
      expect(line, `the row of ${key} does not give its default ${value}`).toContain(`| \`${value}\``);
    }
  });

  it('names the environment variable and minimum of every limit app/config.ts reads', () => {
    const config = read('app/config.ts');
    const settings = [...config.matchAll(/optionalNumber\(env, '(CHORUS_SYNC_[A-Z_]+)', '(\w+)', ([\d_* ]+)\)/g)];
    expect(settings.length).toBeGreaterThan(10);
    for (const [, variable, key, min] of settings) {
      const minimum = min!.split('*').reduce((product, factor) => product * Number(factor.trim().replaceAll('_', '')), 1);
      expect(Object.keys(DEFAULT_LIMITS), `${variable} sets ${key}, which is not a limit`).toContain(key);
      expect(row(key!), `the row of ${key} does not name ${variable} (${minimum})`).toContain(`\`${variable}\` (${minimum})`);
    }
  });
});
