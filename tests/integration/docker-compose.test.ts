// docker-compose.yml is validated by a real Compose (`config` needs no Docker engine), and the
// load balancer's configuration by a real HAProxy (`haproxy -c`). tools/compose/check.mjs finds
// them or installs Debian's packages; if it cannot, this suite fails: it never skips.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  loadBalancers: { file: string; version: string; warnings: string }[];
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

type PublishedPort = { hostIp: string | undefined; published: string; target: string };

/**
 * The published ports of one service block, in either form a Compose prints: the short
 * `- 127.0.0.1:8081:8080/tcp` (Compose 1.29) or the long one with `host_ip:`, `published:` and
 * `target:` keys (Compose v2).
 */
const publishedPorts = (block: string): PublishedPort[] => {
  const lines = block.split('\n');
  const start = lines.findIndex((line) => /^ {4}ports:\s*$/.test(line));
  if (start === -1) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.trim() !== '' && !/^ {4}(- | {2,})/.test(line));
  const entries: string[][] = [];
  for (const line of end === -1 ? rest : rest.slice(0, end)) {
    if (/^ {4,}- /.test(line) && (entries.length === 0 || /^ {4}-|^ {6}-/.test(line))) entries.push([]);
    entries[entries.length - 1]?.push(line.replace(/^\s*-?\s*/, ''));
  }
  return entries.map((entry) => {
    const short = /^['"]?(?:(?<ip>[0-9.]+|\[[0-9a-f:]+\]):)?(?<published>\d+):(?<target>\d+)(?:\/\w+)?['"]?$/.exec(entry[0] ?? '');
    if (short?.groups) return { hostIp: short.groups.ip, published: short.groups.published!, target: short.groups.target! };
    const key = (name: string) =>
      entry.map((line) => new RegExp(`^${name}:\\s*['"]?([^'"\\s]+)`).exec(line)?.[1]).find((value) => value !== undefined);
    return { hostIp: key('host_ip'), published: key('published') ?? '', target: key('target') ?? '' };
  });
};

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
    expect(report.services).toEqual(expect.arrayContaining(['postgres', 'redis', 'kafka', 'chorus-1', 'chorus-2', 'load-balancer']));
  });

  it('runs the current KurrentDB image', () => {
    expect(serviceBlock(report.config, 'kurrentdb')).toMatch(/^ {4}image: ['"]?kurrentplatform\/kurrentdb:\d+\.\d+/m);
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

    expect(publishedPorts(block)).toEqual([{ hostIp: '127.0.0.1', published: hostPort, target: '8080' }]);
    expect(block).toMatch(/healthz/);
    for (const dependency of ['kurrentdb', 'postgres', 'redis', 'kafka']) {
      expect(block).toMatch(new RegExp(`^ {6}${dependency}:\\n {8}condition: service_healthy`, 'm'));
    }
  });

  it('gives every backing service a healthcheck', () => {
    for (const service of ['kurrentdb', 'postgres', 'redis', 'kafka']) {
      expect(serviceBlock(report.config, service), service).toMatch(/^ {4}healthcheck:/m);
    }
  });

  it('publishes every port on the loopback interface only', () => {
    const published = report.services.flatMap((service) =>
      publishedPorts(serviceBlock(report.config, service)).map((port) => ({ service, ...port })),
    );
    expect(published.map((port) => port.service)).toEqual(
      expect.arrayContaining(['kurrentdb', 'postgres', 'redis', 'kafka', 'chorus-1', 'chorus-2', 'load-balancer']),
    );
    for (const port of published) expect(port, JSON.stringify(port)).toMatchObject({ hostIp: '127.0.0.1' });
  });

  it('gives both nodes one dev token secret', () => {
    const secrets = ['chorus-1', 'chorus-2'].map((service) => envValue(serviceBlock(report.config, service), 'CHORUS_DEV_TOKEN_SECRET'));
    expect(secrets[0]).toBeDefined();
    expect(secrets[0]!.length).toBeGreaterThanOrEqual(32);
    expect(secrets[1]).toBe(secrets[0]);
  });

  it('puts a load balancer checked by HAProxy in front of both nodes, on one URL', async () => {
    expect(report.loadBalancers).toEqual([expect.objectContaining({ file: 'deploy/haproxy.cfg' })]);
    const block = serviceBlock(report.config, 'load-balancer');
    expect(block).toMatch(/^ {4}image: ['"]?haproxy:/m);
    expect(block).toMatch(/deploy\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg/);
    expect(publishedPorts(block)).toEqual([{ hostIp: '127.0.0.1', published: '8080', target: '8080' }]);

    const lb = await readFile(join(ROOT, 'deploy', 'haproxy.cfg'), 'utf8');
    expect(lb).toMatch(/^\s*bind :8080$/m);
    expect(lb).toMatch(/^\s*server chorus-1 chorus-1:8080$/m);
    expect(lb).toMatch(/^\s*server chorus-2 chorus-2:8080$/m);
    // Nodes that are not ready take no requests; open WebSockets are not cut by the HTTP timeouts.
    expect(lb).toMatch(/^\s*http-check send meth GET uri \/readyz$/m);
    expect(lb).toMatch(/^\s*timeout tunnel \d+[smh]$/m);
    // The nodes trust X-Forwarded-For, so the balancer writes it itself (never the client's).
    expect(lb).toMatch(/^\s*http-request del-header X-Forwarded-For$/m);
    expect(lb).toMatch(/^\s*option forwardfor$/m);
    for (const node of ['chorus-1', 'chorus-2']) expect(envValue(serviceBlock(report.config, node), 'CHORUS_TRUST_PROXY'), node).toBe('1');
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

    it('exits 1 on a load balancer configuration HAProxy refuses, naming the file', async () => {
      const lbDir = join(dir, 'broken-lb');
      await mkdir(lbDir);
      const file = join(lbDir, 'docker-compose.yml');
      await writeFile(
        file,
        'services:\n  lb:\n    image: haproxy:3.0\n    volumes:\n      - ./lb.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro\n',
      );
      await writeFile(join(lbDir, 'lb.cfg'), 'frontend web\n  bind :8080\n  not_a_keyword here\n');
      const result = await runCheck('--file', file);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/lb\.cfg/);
      expect(result.stderr).toMatch(/not_a_keyword/);
    });
  });
});
