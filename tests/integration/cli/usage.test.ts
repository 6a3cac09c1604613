/**
 * The CLI's usage as a real process: help on stdout with exit code 0, and every usage error as
 * one line on stderr with exit code 2, before anything is opened.
 */
import { describe, expect, it } from 'vitest';
import { runChorusCli } from '../../support/cli.js';

/** An unreachable database: a usage error must be found before any connection is tried. */
const NO_SERVERS = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ESDB_URL: '', REDIS_URL: '' };
const run = (args: string[], env: Record<string, string> = {}) => runChorusCli(args, { ...NO_SERVERS, ...env });

// Each test runs CLI processes (eleven at once in one): 10-30 s each on two cores beside another
// test file, so the default 60 s is too close.
describe('chorus usage', { timeout: 180_000 }, () => {
  it('prints help on stdout with exit code 0', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--help'], /^Usage: chorus <command> \[options\]/],
      [['events', '--help'], /^Usage: chorus events \[options\][\s\S]*--stream-prefix P/],
      [['catalog', 'import', '-h'], /^Usage: chorus catalog import \[options\] FILE\.json/],
      [['projections', '--help'], /^Usage: chorus projections status/],
      [['projections', 'rebuild', '--help'], /^Usage: chorus projections status/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, result] of results.entries()) {
      expect({ args: cases[i]![0], code: result.code, stderr: result.stderr }).toEqual({ args: cases[i]![0], code: 0, stderr: '' });
      expect(result.stdout).toMatch(cases[i]![1]);
    }
  });

  it('reports usage errors in one line on stderr with exit code 2', async () => {
    const cases: Array<[string[], string | RegExp]> = [
      [['frobnicate'], /^chorus: unknown command "frobnicate" \(commands: events, catalog import, library scan, audio attach, projections status, projections rebuild, recs rebuild, relay, kafka tail, users create, users list, users set-password, users set-role, users delete; see chorus --help\)$/],
      [['catalog', 'export'], /^chorus: unknown command "catalog export"/],
      [['events', '--nope'], "chorus: events: Unknown option '--nope' (see chorus events --help)"],
      [['events', 'now'], 'chorus: events: unexpected argument "now" (see chorus events --help)'],
      [['events', '--from'], /^chorus: events: Option '--from <value>' argument missing/],
      [['events', '--from', '12'], /^chorus: --from: invalid position "12"/],
      [['events', '--limit', 'ten'], 'chorus: --limit must be a whole number between 1 and 9007199254740991, got "ten"'],
      [['events', '--type', ''], 'chorus: --type must not be empty'],
      [['projections', 'status', 'now'], /^chorus: projections status: unexpected argument "now"/],
      [['projections', 'rebuild', 'nope'], /^chorus: projections rebuild: unknown projection "nope" \((valid names: .+|no projections are defined)\)$/],
      [['catalog', 'import', 'a.json', 'b.json'], /^chorus: catalog import: expected one FILE\.json, got 2 arguments/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, result] of results.entries()) {
      const [args, expected] = cases[i]!;
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      if (typeof expected === 'string') expect(lines[0]).toBe(expected);
      else expect(lines[0]).toMatch(expected);
    }
  });

  it('no command: usage on stderr, exit code 2; bad configuration: exit code 2', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^chorus: a command is needed\n\nUsage: chorus <command>/);

    const config = await run(['events'], { DATABASE_URL: 'mysql://db/chorus' });
    expect(config.code).toBe(2);
    expect(config.stderr).toBe('chorus: DATABASE_URL must start with postgres:// or postgresql://\n');
  });

  it('a server it cannot reach is a runtime failure: exit code 1 with the reason, no stack trace', async () => {
    const result = await run(['events']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^chorus: could not open the configured servers: .+\n$/);
  });
});
