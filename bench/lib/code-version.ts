/** Which code a benchmark measured: the git commit, uncommitted changes, and a hash of the sources. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CodeVersion {
  commit: string;
  /** Files under `paths` that differ from the commit (modified or untracked). */
  uncommitted: string[];
  /** sha256 (first 16 hex digits) of the tracked and untracked files under `paths`, as they are now. */
  sourceHash: string;
}

export function codeVersion(paths: readonly string[]): CodeVersion {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const files = git('ls-files', '--cached', '--others', '--exclude-standard', '--', ...paths).split('\n').filter(Boolean).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(`${ROOT}${file}`)).update('\0');
  return {
    commit: git('rev-parse', '--short', 'HEAD').trim(),
    uncommitted: git('status', '--porcelain', '--', ...paths).split('\n').filter(Boolean).map((line) => line.slice(3)),
    sourceHash: hash.digest('hex').slice(0, 16),
  };
}
