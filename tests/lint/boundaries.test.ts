/**
 * The layer check of `npm run lint` (.dependency-cruiser.cjs) run on small trees made for the
 * purpose: each rule must catch its violation, and a tree that keeps the rules must pass — so the
 * check cannot silently pass everything (a typo in a folder pattern, a rule that never matches).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const made: string[] = [];

/** Writes `files` (path -> source) into a new folder and runs the check there as `npm run lint` does. */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chorus-boundaries-'));
  made.push(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  // The packages resolve as in the repository (the domain may use yjs).
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  const result = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'err', '.'], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const CLEAN = {
  'domain/thing.ts': "import * as Y from 'yjs';\nexport const thing = () => new Y.Doc();\n",
  'gateways/store.ts': "import { thing } from '../domain/thing.js';\nexport const store = thing;\n",
  'projections/view.ts': "import { store } from '../gateways/store.js';\nexport const view = store;\n",
  'application/use-case.ts': "import { view } from '../projections/view.js';\nexport const useCase = view;\n",
  'http/route.ts': "import { useCase } from '../application/use-case.js';\nexport const route = useCase;\n",
  'sync-server/server.ts': "import { useCase } from '../application/use-case.js';\nexport const server = useCase;\n",
  'cli/command.ts': "import { useCase } from '../application/use-case.js';\nexport const command = useCase;\n",
  'app/main.ts': "import { route } from '../http/route.js';\nimport { server } from '../sync-server/server.js';\nimport { command } from '../cli/command.js';\nexport const main = [route, server, command];\n",
};

describe('the layer check (.dependency-cruiser.cjs)', () => {
  it('passes a tree whose imports all point down the layers', { timeout: 60_000 }, () => {
    const result = check(CLEAN);
    expect(result.output).toContain('no dependency violations found');
    expect(result.status).toBe(0);
  });

  it('fails on an upward import, an edge importing another edge, I/O in the domain, and a loop', { timeout: 60_000 }, () => {
    const result = check({
      ...CLEAN,
      'domain/reads-files.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'gateways/reaches-up.ts': "import { useCase } from '../application/use-case.js';\nexport const up = useCase;\n",
      'application/reaches-the-edge.ts': "import { route } from '../http/route.js';\nexport const up = route;\n",
      'projections/reaches-app.ts': "import { main } from '../app/main.js';\nexport const up = main;\n",
      'http/uses-sync.ts': "import { server } from '../sync-server/server.js';\nexport const sideways = server;\n",
      'cli/uses-http.ts': "import { route } from '../http/route.js';\nexport const sideways = route;\n",
      'http/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'http/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    expect(result.status).not.toBe(0);
    const expected: Array<[rule: string, from: string]> = [
      ['domain-imports-nothing-with-io', 'domain/reads-files.ts'],
      ['no-upward-import-from-gateways', 'gateways/reaches-up.ts'],
      ['no-upward-import-from-application', 'application/reaches-the-edge.ts'],
      ['no-upward-import-from-projections', 'projections/reaches-app.ts'],
      ['edges-never-import-each-other-http', 'http/uses-sync.ts'],
      ['edges-never-import-each-other-cli', 'cli/uses-http.ts'],
      ['no-circular', 'http/a.ts'],
    ];
    for (const [rule, from] of expected) {
      expect(result.output, `${rule} on ${from}`).toMatch(new RegExp(`${rule}: ${from.replace('.', '\\.')}`));
    }
    // The clean files are not reported.
    expect(result.output).not.toMatch(/: app\/main\.ts|: http\/route\.ts|: domain\/thing\.ts/);
  });
});
