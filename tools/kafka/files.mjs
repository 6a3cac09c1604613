// Where the Kafka tool keeps its state (tools/kafka/.run): pid files of the brokers it started,
// their logs, and the cached classpath; and the small file helpers around them.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const RUN_DIR = path.join(HERE, '.run');
/** Pid file of the broker started by `kafka.mjs start`. */
export const DEFAULT_PID_FILE = path.join(RUN_DIR, 'kafka.pid');
const LOG_DIR = path.join(RUN_DIR, 'logs');
const KEEP_LOGS = 10;
export const LOG_TAIL_LINES = 30;

export function pidFiles() {
  try {
    return fs.readdirSync(RUN_DIR)
      .filter((name) => name === 'kafka.pid' || /^kafka-\d+\.json$/.test(name))
      .map((name) => path.join(RUN_DIR, name));
  } catch {
    return [];
  }
}

export function newLogFile(port) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const old = fs.readdirSync(LOG_DIR).filter((n) => n.endsWith('.log')).sort();
  for (const name of old.slice(0, Math.max(0, old.length - (KEEP_LOGS - 1)))) {
    fs.rmSync(path.join(LOG_DIR, name), { force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(LOG_DIR, `kafka-${stamp}-${port}.log`);
}

export function readTail(file, lines = LOG_TAIL_LINES) {
  try {
    const { size } = fs.statSync(file);
    const fd = fs.openSync(file, 'r');
    const length = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    fs.closeSync(fd);
    return tailLines(buf.toString('utf8'), lines);
  } catch (err) {
    return `(could not read ${file}: ${err.message})`;
  }
}

/** The first ERROR lines of the broker log and the exception causes under them, which name the problem. */
export function firstErrors(file, max = 6) {
  try {
    const found = fs.readFileSync(file, 'utf8').split('\n')
      .filter((line) => / ERROR /.test(line) || /^Caused by: /.test(line));
    return found.slice(0, max).map((line) => line.slice(0, 500)).join('\n');
  } catch {
    return '';
  }
}

export function tailLines(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
