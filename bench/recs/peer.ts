/**
 * Runs the peer (peer/peer.py) in a Python virtual environment the benchmark makes. It first
 * tries to install the `implicit` library from PyPI; when that fails (no network, no wheel), it
 * says so ("implicit: not installed: <reason>") and runs a stand-in of the same two models written
 * for this benchmark on numpy and scipy (from local wheels, --no-index), labelled as the stand-in
 * everywhere and never as `implicit`. With no Python at all, the peer is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { log } from '../lib/results.js';
import { K } from './metrics.js';

export interface PeerModel {
  name: string;
  params: Record<string, number>;
  fitSeconds: number;
  recommendSeconds: number;
  usersRecommended: number;
  modelBytes: number;
  lists: Map<number, number[]>;
}

export interface PeerRun {
  /** What ran: the library and its version, or the stand-in (never called implicit). */
  label: string;
  library: boolean;
  install: string;
  models: PeerModel[];
}

export type PeerOutcome = { ran: true; run: PeerRun } | { ran: false; reason: string };

const VENV = join(tmpdir(), 'chorus-bench-recs-venv');
const PEER_SCRIPT = new URL('./peer/peer.py', import.meta.url).pathname;

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

/** What pip said about a failed install: its errors and why it could not connect, in its own words. */
function pipSaid(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.filter((l) => l.startsWith('ERROR:') || /Failed to establish a new connection|Name or service not known|No matching distribution|Could not find a version/.test(l));
  const connection = said.find((l) => l.includes('Failed to establish')) ?? '';
  const connectionWhy = /\[Errno [^\]]+\] [^'"]+/.exec(connection)?.[0];
  const errors = said.filter((l) => l.startsWith('ERROR:'));
  return [...(connectionWhy ? [`connection: ${connectionWhy}`] : []), ...errors].join(' / ') || lastLine(output);
}

/** Folders holding numpy and scipy wheels on this machine (BENCH_RECS_WHEELS, else a search). */
function localWheelDirs(): string[] {
  const configured = process.env.BENCH_RECS_WHEELS;
  if (configured) return configured.split(':').filter(Boolean);
  const found = spawnSync('find', ['/', '-xdev', '(', '-name', 'numpy-*.whl', '-o', '-name', 'scipy-*.whl', ')'], { encoding: 'utf8', timeout: 120_000 });
  return [...new Set((found.stdout ?? '').split('\n').filter(Boolean).map((file) => dirname(file)))];
}

/**
 * Makes the virtual environment and tries to install `implicit` from PyPI. When that fails it
 * says so ("implicit: not installed: <reason>") and installs numpy and scipy from local wheels
 * (no index) for the stand-in, which is labelled as such everywhere.
 */
export function preparePython(): { python: string; install: string } | { python: undefined; install: string } {
  const python = join(VENV, 'bin', 'python');
  if (!existsSync(python)) {
    const made = run('python3', ['-m', 'venv', VENV]);
    if (!made.ok) return { python: undefined, install: `implicit: not installed: could not make a Python virtual environment: ${lastLine(made.output)}` };
  }
  const pip = join(VENV, 'bin', 'pip');
  if (run(python, ['-c', 'import implicit']).ok) return { python, install: 'implicit installed from PyPI (already in the virtual environment)' };
  log('peer: installing the implicit library from PyPI into a virtual environment…');
  const implicit = run(pip, ['install', '--disable-pip-version-check', '-q', '--timeout', '20', '--retries', '1', 'implicit']);
  if (implicit.ok) return { python, install: 'implicit installed from PyPI' };
  const why = pipSaid(implicit.output) || 'pip failed';
  log(`peer: implicit: not installed: ${why}`);
  log('peer: running a STAND-IN instead: an implicit-feedback ALS and a BM25 item-item model written for this benchmark with numpy/scipy (NOT the implicit library)');
  if (!run(python, ['-c', 'import numpy, scipy']).ok) {
    const dirs = localWheelDirs();
    const deps = run(pip, ['install', '--disable-pip-version-check', '-q', '--no-index', ...dirs.flatMap((d) => ['--find-links', d]), 'numpy', 'scipy']);
    if (!deps.ok) {
      if (run('python3', ['-c', 'import numpy, scipy']).ok) return { python: 'python3', install: `implicit: not installed: ${why}; stand-in on the system Python's numpy and scipy` };
      return { python: undefined, install: `implicit: not installed: ${why}; no numpy/scipy wheels for the stand-in either (${lastLine(deps.output)})` };
    }
    return { python, install: `implicit: not installed: ${why}; stand-in on numpy and scipy installed from local wheels (${dirs.join(', ')}) with --no-index` };
  }
  return { python, install: `implicit: not installed: ${why}; stand-in on numpy and scipy from local wheels (already in the virtual environment)` };
}

export async function runPeer(options: { variants: readonly string[]; trainFile: string; evalUsers: readonly number[]; users: number; tracks: number; workDir: string; seed: number }): Promise<PeerOutcome> {
  const prepared = preparePython();
  if (prepared.python === undefined) {
    log(`peer: SKIPPED — ${prepared.install}`);
    return { ran: false, reason: prepared.install };
  }
  const usersFile = join(options.workDir, 'eval-users.bin');
  writeFileSync(usersFile, new Uint8Array(Int32Array.from(options.evalUsers).buffer));
  const args = [
    PEER_SCRIPT,
    '--train', options.trainFile,
    '--eval-users', usersFile,
    '--users', String(options.users),
    '--tracks', String(options.tracks),
    '--out', join(options.workDir, 'peer'),
    '--seed', String(options.seed),
    '--variants', options.variants.join(','),
  ];
  const child = spawn(prepared.python, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) {
    log(`peer: FAILED (exit ${code}); skipped`);
    return { ran: false, reason: `peer exited with ${code}` };
  }
  const parsed = JSON.parse(lastLine(stdout)) as { label: string; library: boolean; models: Array<Omit<PeerModel, 'lists'> & { lists: string }> };
  const models = parsed.models.map((model) => {
    const bytes = readFileSync(model.lists);
    const flat = new Int32Array(Uint8Array.from(bytes).buffer);
    const lists = new Map<number, number[]>();
    options.evalUsers.forEach((user, i) => lists.set(user, Array.from(flat.subarray(i * K, i * K + K))));
    return { ...model, lists };
  });
  return { ran: true, run: { label: parsed.label, library: parsed.library, install: prepared.install, models } };
}
