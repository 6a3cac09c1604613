/**
 * Code above the gateways talks to the event store through its port (STYLE.md, habit 4): no
 * `instanceof PostgresEventStore` outside gateways/event-store/ and the composition root (app/).
 * What one adapter can do that others cannot is a port method that says so (`countAfter`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['domain', 'gateways', 'projections', 'application', 'http', 'subsonic', 'sync-server', 'cli', 'app'];
const ALLOWED = /^(gateways\/event-store\/|app\/)/;

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

describe('the event store port', () => {
  it('is not bypassed with instanceof PostgresEventStore above the gateways', () => {
    const files = FOLDERS.flatMap((folder) => [...sources(join(ROOT, folder))]).map((path) => relative(ROOT, path));
    expect(files).toContain('cli/recs.ts');
    const offenders = files.filter((path) => !ALLOWED.test(path) && /instanceof\s+PostgresEventStore\b/.test(readFileSync(join(ROOT, path), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
