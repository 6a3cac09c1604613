// docker-compose.yml is validated by a real Compose (`config` needs no Docker engine).
// tools/compose/check.mjs finds one or installs Debian's docker-compose; if it cannot,
// this suite fails: it never skips.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHECK = join(ROOT, 'tools', 'compose', 'check.mjs');
// The first run on a fresh machine may apt-get install docker-compose.
const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;

type CheckReport = {
  tool: string;
  version: string;
  installed: boolean;
  services: string[];
  warnings: string;
  config: string;
};

type RunResult = { code: number; stdout: string; stderr: string };

const runCheck = async (...args: string[]): Promise<RunResult> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [CHECK, ...args], {
      cwd: ROOT,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? String(error),
    };
  }
};

// The lines of one service's block in `config` output (YAML, two-space indents).
const serviceBlock = (config: string, service: string): string => {
  const lines = config.split('\n');
  const start = lines.findIndex((line) => line === `  ${service}:`);
  if (start === -1) return '';
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.trim() !== '' && !line.startsWith('    '));
  return (end === -1 ? rest : rest.slice(0, end)).join('\n');
};

const envValue = (block: string, name: string): string | undefined =>
  new RegExp(`^\\s+-?\\s*${name}[:=]\\s*['"]?([^'"\\s]+)`, 'm').exec(block)?.[1];

describe('docker-compose.yml', () => {
  let report: CheckReport;

  beforeAll(async () => {
    const result = await runCheck('--json');
    if (result.code !== 0) {
      throw new Error(`tools/compose/check.mjs --json exited ${result.code}:\n${result.stderr}${result.stdout}`);
    }
    report = JSON.parse(result.stdout) as CheckReport;
  }, INSTALL_TIMEOUT_MS);

  it('passes the check script with a single line of output', async () => {
    const result = await runCheck();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^compose: docker-compose\.yml is valid/);
  });

  it('defines the production-shaped stack', () => {
    expect(report.services.includes('eventstore') || report.services.includes('kurrentdb')).toBe(true);
    expect(report.services).toEqual(expect.arrayContaining(['postgres', 'redis', 'kafka', 'chorus-1', 'chorus-2']));
  });

  it.each([
    ['chorus-1', '8081'],
    ['chorus-2', '8082'],
  ])('wires %s to every service and publishes it on %s', (service, hostPort) => {
    const block = serviceBlock(report.config, service);
    expect(block, `no ${service} in the resolved config`).not.toBe('');

    expect(envValue(block, 'DATABASE_URL')).toMatch(/^postgres(ql)?:\/\/.+@postgres:5432\//);
    expect(envValue(block, 'REDIS_URL')).toMatch(/^redis:\/\/redis:6379/);
    expect(envValue(block, 'ESDB_URL')).toMatch(/^(esdb|kurrentdb|kurrent):\/\/(eventstore|kurrentdb):2113\?tls=false$/);
    expect(envValue(block, 'KAFKA_BROKERS')).toBe('kafka:9092');
    expect(envValue(block, 'CHORUS_NODE_ID')).toBe(service);
    expect(envValue(block, 'PORT')).toBe('8080');

    expect(block).toMatch(new RegExp(`published: ['"]?${hostPort}['"]?$`, 'm'));
    expect(block).toMatch(/healthz/);
    for (const dependency of ['eventstore', 'postgres', 'redis', 'kafka']) {
      expect(block).toMatch(new RegExp(`^ {6}${dependency}:\\n {8}condition: service_healthy`, 'm'));
    }
  });

  it('gives every backing service a healthcheck', () => {
    for (const service of ['eventstore', 'postgres', 'redis', 'kafka']) {
      expect(serviceBlock(report.config, service), service).toMatch(/^ {4}healthcheck:/m);
    }
  });

  describe('on a broken file', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'chorus-compose-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('exits 1 with the tool\'s reason', async () => {
      const file = join(dir, 'docker-compose.yml');
      await writeFile(file, 'services:\n  app:\n    image: busybox\n    ports: [nope]\n    not_a_key: 1\n');
      const result = await runCheck('--file', file);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not_a_key/);
    });
  });
});
