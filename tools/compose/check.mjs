#!/usr/bin/env node
// Validates docker-compose.yml, and the HAProxy configuration it mounts, on machines without a
// Docker engine.
//
//   node tools/compose/check.mjs          one line on success, the tool's output on failure
//   node tools/compose/check.mjs --json   one JSON object: { tool, version, installed,
//                                         services, warnings, config, loadBalancers }, config the
//                                         resolved YAML, loadBalancers [{ file, version, warnings }]
//   --file PATH                           check another compose file (default: the repo's)
//
// `config` needs no engine, so any Compose will do: the `docker compose` plugin if the
// docker CLI has it, else `docker-compose`. If neither is there, Debian's docker-compose
// package (Compose 1.29, Python) is installed with apt-get. Every file the compose file mounts
// as HAProxy's configuration (`./…:/usr/local/etc/haproxy/haproxy.cfg`) is checked with
// `haproxy -c` (Debian's haproxy is installed when there is none); server names that do not
// resolve here are expected (they are the stack's containers), any other warning fails.
// Exit codes: 0 valid, 1 invalid compose file or HAProxy configuration, 2 no tool could be
// found or installed. Built-ins only, so it runs before `npm ci`.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fileFlag = process.argv.indexOf('--file');
const COMPOSE_FILE = fileFlag === -1 ? resolve(ROOT, 'docker-compose.yml') : resolve(process.argv[fileFlag + 1] ?? '');
const EXIT_INVALID = 1;
const EXIT_NO_TOOL = 2;
const APT_TIMEOUT_MS = 15 * 60 * 1000;
const COMPOSE_TIMEOUT_MS = 2 * 60 * 1000;

const CANDIDATES = [
  { name: 'docker compose', command: 'docker', prefix: ['compose'] },
  { name: 'docker-compose', command: 'docker-compose', prefix: [] },
];

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: COMPOSE_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    ...options,
  });
  return {
    ok: result.error === undefined && result.status === 0,
    missing: result.error?.code === 'ENOENT',
    status: result.status,
    error: result.error,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
  };
};

const fail = (code, message) => {
  process.stderr.write(`compose check: ${message}\n`);
  process.exit(code);
};

const findCompose = () => {
  for (const tool of CANDIDATES) {
    const probe = run(tool.command, [...tool.prefix, 'version', '--short']);
    if (probe.ok) return { ...tool, version: probe.stdout.trim().replace(/^v/, '') };
  }
  return undefined;
};

const lastLines = (text, count = 15) => text.split('\n').slice(-count).join('\n');

// Debian's package of a tool (`missing` names what was not found, for the messages).
const installDebianPackage = (pkg, missing) => {
  if (process.platform !== 'linux') {
    fail(EXIT_NO_TOOL, `no ${missing} found; install it (this script only knows how to install it with apt-get on Debian/Ubuntu)`);
  }
  if (run('apt-get', ['--version']).missing) {
    fail(EXIT_NO_TOOL, `no ${missing} found, and there is no apt-get to install Debian's ${pkg} package with`);
  }
  let sudo = [];
  if (process.getuid?.() !== 0) {
    if (!run('sudo', ['-n', 'true']).ok) {
      fail(EXIT_NO_TOOL, `no ${missing} found; installing Debian's ${pkg} needs root (run as root, allow passwordless sudo, or \`apt-get install ${pkg}\` yourself)`);
    }
    sudo = ['sudo', '-n'];
  }
  const apt = (args) => {
    const [command, ...rest] = [...sudo, 'apt-get', ...args];
    return run(command, rest, {
      timeout: APT_TIMEOUT_MS,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  // Wait for, rather than fail on, a dpkg lock held by another apt-get.
  const install = () => apt(['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', pkg]);

  let result = install();
  if (!result.ok && /unable to locate package|no installation candidate|404\s+not found|failed to fetch/i.test(result.output)) {
    const update = apt(['-o', 'DPkg::Lock::Timeout=300', 'update']);
    if (!update.ok) {
      fail(EXIT_NO_TOOL, `no ${missing} found, and \`apt-get update\` failed, so Debian's ${pkg} cannot be installed:\n${lastLines(update.output)}`);
    }
    result = install();
  }
  if (!result.ok) {
    fail(EXIT_NO_TOOL, `no ${missing} found, and \`apt-get install ${pkg}\` failed:\n${lastLines(result.output)}`);
  }
};

const started = process.hrtime.bigint();
let installedMs;
let tool = findCompose();
if (tool === undefined) {
  const installStarted = process.hrtime.bigint();
  installDebianPackage('docker-compose', '`docker compose` or `docker-compose`');
  installedMs = Number((process.hrtime.bigint() - installStarted) / 1_000_000n);
  tool = findCompose();
  if (tool === undefined) {
    fail(EXIT_NO_TOOL, 'Debian\'s docker-compose package installed, but `docker-compose version` still does not run');
  }
}

// Run from the file's folder so relative build contexts and volumes resolve as `up` would.
const compose = (...args) =>
  run(tool.command, [...tool.prefix, '-f', COMPOSE_FILE, ...args], { cwd: dirname(COMPOSE_FILE) });
const fromCwd = relative(process.cwd(), COMPOSE_FILE);
const shownFile = fromCwd === '' || fromCwd.startsWith('..') ? COMPOSE_FILE : fromCwd;

const quiet = compose('config', '-q');
if (!quiet.ok) {
  const why = quiet.error !== undefined ? String(quiet.error) : quiet.output;
  fail(EXIT_INVALID, `${shownFile} is invalid (${tool.name} ${tool.version}, exit ${quiet.status}):\n${why}`);
}
const listed = compose('config', '--services');
if (!listed.ok) {
  fail(EXIT_INVALID, `\`${tool.name} config --services\` failed (exit ${listed.status}):\n${listed.output}`);
}
const services = listed.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
// Warnings (an unset variable, an ignored key) do not fail the check, but are shown.
const warnings = [...new Set(`${quiet.stderr}\n${listed.stderr}`.split('\n').map((line) => line.trim()))]
  .filter((line) => line !== '')
  .join('\n');

// The HAProxy configurations the compose file mounts, relative to its folder.
const haproxyConfigs = () => {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const mounts = text.matchAll(/(\.{1,2}\/[^\s:'"]+):(\/usr\/local\/etc\/haproxy\/haproxy\.cfg)\b/g);
  return [...new Set([...mounts].map((match) => resolve(dirname(COMPOSE_FILE), match[1])))];
};

const findHaproxy = () => {
  const probe = run('haproxy', ['-v']);
  return probe.ok ? /version\s+(\S+)/i.exec(probe.stdout)?.[1] ?? 'unknown' : undefined;
};

// Names that resolve only inside the stack's network are expected to fail here.
const UNRESOLVED_SERVER = /could not resolve address .*disabling server/i;

const checkHaproxy = (file) => {
  let version = findHaproxy();
  if (version === undefined) {
    installDebianPackage('haproxy', '`haproxy` (to check the load balancer\'s configuration)');
    version = findHaproxy();
    if (version === undefined) fail(EXIT_NO_TOOL, 'Debian\'s haproxy package installed, but `haproxy -v` still does not run');
  }
  const shown = relative(dirname(COMPOSE_FILE), file);
  const checked = run('haproxy', ['-c', '-f', file]);
  if (!checked.ok) {
    fail(EXIT_INVALID, `${shown}: HAProxy ${version} refuses the configuration (exit ${checked.status}):\n${checked.error ?? checked.output}`);
  }
  const warnings = checked.output.split('\n').filter((line) => /\[WARNING\]/.test(line));
  const unexpected = warnings.filter((line) => !UNRESOLVED_SERVER.test(line));
  if (unexpected.length > 0) fail(EXIT_INVALID, `${shown}: HAProxy ${version} warns:\n${unexpected.join('\n')}`);
  return { file: shown, version, warnings: warnings.join('\n') };
};

const loadBalancers = haproxyConfigs().map(checkHaproxy);

if (process.argv.includes('--json')) {
  const resolved = compose('config');
  if (!resolved.ok) {
    fail(EXIT_INVALID, `\`${tool.name} config\` failed (exit ${resolved.status}):\n${resolved.output}`);
  }
  const report = {
    tool: tool.name,
    version: tool.version,
    installed: installedMs !== undefined,
    services,
    warnings,
    config: resolved.stdout,
    loadBalancers,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  if (warnings !== '') process.stderr.write(`${warnings}\n`);
  const elapsed = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const install = installedMs === undefined ? '' : `, installed Debian's docker-compose in ${(installedMs / 1000).toFixed(1)}s`;
  const balancers = loadBalancers.map((lb) => `; ${lb.file} valid (HAProxy ${lb.version})`).join('');
  process.stdout.write(
    `compose: ${shownFile} is valid (${tool.name} ${tool.version}; ${services.length} services: ${services.join(', ')}${balancers}; ${(elapsed / 1000).toFixed(1)}s${install})\n`,
  );
}
