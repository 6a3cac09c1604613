/**
 * Files stay small (STYLE.md, habit 12): no source file outside bench/ and tests/ is over 400
 * lines. A file that grows past it is split by job, not by line count.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 400;
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const EXEMPT = /^(bench|tests)\//;

/** Lines, the last one counted whether or not a newline ends it. */
const lineCount = (text: string) => (text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));

/** The repository's files, tracked or new (not ignored), relative to the root. */
function files(): string[] {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  // A tracked file deleted in the working tree is listed too: only those on disk count.
  return listed.stdout.split('\0').filter((path) => path !== '' && existsSync(join(ROOT, path)));
}

describe(`source files stay under ${MAX_LINES} lines`, () => {
  it('holds for every source file outside bench/ and tests/', () => {
    const sources = files().filter((path) => SOURCE.test(path) && !EXEMPT.test(path));
    // The listing found the code, so a pass means something.
    expect(sources).toContain('sync-server/server.ts');
    const over = sources
      .map((path) => ({ path, lines: lineCount(readFileSync(join(ROOT, path), 'utf8')) }))
      .filter((file) => file.lines > MAX_LINES)
      .map((file) => `${file.path}: ${file.lines} lines`);
    expect(over, `split these by job (STYLE.md, habit 12)`).toEqual([]);
  });

  it('counts lines, an unterminated last one included', () => {
    expect(lineCount('')).toBe(0);
    expect(lineCount('a\n')).toBe(1);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount(`${'x\n'.repeat(MAX_LINES + 1)}`)).toBeGreaterThan(MAX_LINES);
  });
});
