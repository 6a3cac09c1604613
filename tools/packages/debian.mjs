// Debian packages the tests and benchmarks run (ffmpeg for media, chromium for the browser tests,
// nginx as the streaming benchmark's peer): installed with apt-get when their command is missing
// (`apt-get update` once first). Needs root, as CI and the developers' machines have.
import { spawnSync } from 'node:child_process';

const COMMANDS = { ffmpeg: 'ffmpeg', ffprobe: 'ffmpeg', chromium: 'chromium', nginx: 'nginx' };

const has = (command) => spawnSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' }).status === 0;

/** Installs the packages of `commands` that are missing; returns the packages installed. */
export function ensureDebianPackages(commands, { log = console.log } = {}) {
  const missing = [...new Set(commands.filter((c) => !has(c)).map((c) => COMMANDS[c] ?? c))];
  if (missing.length === 0) return [];
  log(`installing ${missing.join(', ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (install.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
  const still = commands.filter((c) => !has(c));
  if (still.length > 0) throw new Error(`still missing after apt-get: ${still.join(', ')}`);
  return missing;
}
