// The broker's runtime classpath, resolved by Maven from tools/kafka/pom.xml (jars in ~/.m2) and
// cached in .run/classpath-<hash>.txt, so that a warm start never runs Maven.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { RUN_DIR, tailLines } from './files.mjs';
import { run, sleep } from './processes.mjs';

const POM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pom.xml');

/**
 * Resolves the broker's runtime classpath and returns the path of the file that holds it.
 * Cached in .run/classpath-<hash>.txt; Maven runs only when the cache is missing or stale
 * (pom.xml changed, or a jar vanished from ~/.m2). Offline first, then online.
 */
export async function resolveClasspath({ log = () => {}, kafkaVersion = process.env.CHORUS_KAFKA_VERSION } = {}) {
  const pom = fs.readFileSync(POM);
  const key = createHash('sha256').update(pom).update(`\0${kafkaVersion ?? ''}`).digest('hex').slice(0, 16);
  const cacheFile = path.join(RUN_DIR, `classpath-${key}.txt`);
  fs.mkdirSync(RUN_DIR, { recursive: true });

  if (classpathFileIsUsable(cacheFile)) return cacheFile;

  // Two harnesses may start at once: one resolves, the other waits for its result.
  const lock = `${cacheFile}.lock`;
  await acquireLock(lock, () => classpathFileIsUsable(cacheFile), log);
  try {
    if (classpathFileIsUsable(cacheFile)) return cacheFile;
    const extra = kafkaVersion ? [`-Dkafka.version=${kafkaVersion}`] : [];
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    const args = ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${tmp}`, ...extra];

    const offline = await runMaven(['-o', ...args]);
    if (offline.status !== 0 || !fs.existsSync(tmp)) {
      log(`kafka: resolving ${kafkaVersion ? `Kafka ${kafkaVersion}` : 'Kafka'} jars from Maven Central (first run only)...`);
      const online = await runMaven(args);
      if (online.error) throw online.error;
      if (online.status !== 0 || !fs.existsSync(tmp)) {
        throw new Error(
          `Kafka classpath: Maven could not resolve the jars of tools/kafka/pom.xml ` +
            `(mvn ${args.join(' ')} exited with ${online.status ?? online.signal}):\n` +
            tailLines(stripVTControlCharacters(online.stdout), 40),
        );
      }
    }
    fs.renameSync(tmp, cacheFile);
    if (!classpathFileIsUsable(cacheFile)) {
      throw new Error(`Kafka classpath: Maven wrote ${cacheFile} but it lists missing jars`);
    }
    return cacheFile;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

async function runMaven(args) {
  const result = await run(process.platform === 'win32' ? 'mvn.cmd' : 'mvn', args);
  if (result.error?.code === 'ENOENT') {
    result.error = new Error('Kafka classpath: Maven (`mvn`) is not on PATH; install Maven 3.8+ to fetch the Kafka jars');
  }
  return result;
}

function classpathFileIsUsable(file) {
  try {
    const entries = readClasspath(file);
    return entries.length > 0 && entries.every((jar) => fs.existsSync(jar));
  } catch {
    return false;
  }
}

export function readClasspath(file) {
  return fs.readFileSync(file, 'utf8').trim().split(path.delimiter).filter(Boolean);
}

async function acquireLock(lock, done, log) {
  const staleMs = 10 * 60_000;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (done()) return;
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > staleMs) fs.rmSync(lock, { recursive: true, force: true });
    } catch {
      // the other process just finished
    }
    if (!told) log('kafka: another process is resolving the Kafka classpath; waiting...');
    told = true;
    await sleep(500);
  }
}
