#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for tests.
//
// The jars come from Maven Central through tools/kafka/pom.xml and stay in ~/.m2; the computed
// classpath is cached in tools/kafka/.run/ keyed by a hash of pom.xml, so a warm start never runs
// Maven. Node built-ins only: readiness is checked with a few hand-written Kafka requests.
//
//   import { startKafka } from '../../tools/kafka/kafka.mjs';
//   const kafka = await startKafka();        // { brokers: '127.0.0.1:PORT', pid, stop, ... }
//   ...; await kafka.stop();
//
//   node tools/kafka/kafka.mjs start|stop|status|classpath      (see usage() below)

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(HERE, 'pom.xml');
export const RUN_DIR = path.join(HERE, '.run');
/** Pid file of the broker started by `kafka.mjs start`. */
export const DEFAULT_PID_FILE = path.join(RUN_DIR, 'kafka.pid');
const LOG_DIR = path.join(RUN_DIR, 'logs');
const KEEP_LOGS = 10;

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 30;
const HOST = '127.0.0.1';

// ---------------------------------------------------------------------------------------------
// Classpath (Maven)

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

/** Runs a command to completion without blocking the event loop; never rejects. stdout holds both streams. */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const out = [];
    let child;
    try {
      child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ status: null, signal: null, stdout: '', error });
      return;
    }
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.once('error', (error) => resolve({ status: null, signal: null, stdout: '', error }));
    child.once('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8') }));
  });
}

function classpathFileIsUsable(file) {
  try {
    const entries = readClasspath(file);
    return entries.length > 0 && entries.every((jar) => fs.existsSync(jar));
  } catch {
    return false;
  }
}

function readClasspath(file) {
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

// ---------------------------------------------------------------------------------------------
// Start / stop

/**
 * Starts a fresh single-node KRaft broker on loopback and waits until it serves metadata.
 *
 * @param {object} [options]
 * @param {number} [options.port]            client listener port (free port when omitted)
 * @param {number} [options.controllerPort]  KRaft controller port (free port when omitted)
 * @param {string} [options.dataDir]         log.dirs; must not exist or be empty (a temp dir when omitted)
 * @param {string} [options.logFile]         broker stdout/stderr (.run/logs/kafka-<time>-<port>.log when omitted)
 * @param {string} [options.pidFile]         where to record the broker (.run/kafka-<port>.json when omitted)
 * @param {string} [options.heap]            JVM -Xmx (default 512m)
 * @param {boolean} [options.watchParent]    kill the broker when this process dies (default true)
 * @param {(msg: string) => void} [options.log]  progress messages (default: silent)
 * @returns {Promise<{ brokers: string, pid: number, port: number, controllerPort: number,
 *   dataDir: string, logFile: string, pidFile: string, stop: () => Promise<void> }>}
 */
export async function startKafka(options = {}) {
  const log = options.log ?? (() => {});
  const fixedPorts = options.port !== undefined || options.controllerPort !== undefined;
  const cpFile = await resolveClasspath({ log });
  reapOrphans(log);

  // Free ports are picked by binding port 0 and releasing it; a concurrent process can grab one
  // before Kafka binds it, so with automatic ports a bind failure is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, cpFile, log);
    } catch (err) {
      if (fixedPorts || attempt >= 3 || !err.addressInUse) throw err;
      log(`kafka: port taken before the broker could bind it; retrying (${attempt})`);
    }
  }
}

async function startOnce(options, cpFile, log) {
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort([port]));
  const brokers = `${HOST}:${port}`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-kafka-'));
  const dataDir = path.resolve(options.dataDir ?? path.join(workDir, 'data'));
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    fs.rmSync(workDir, { recursive: true, force: true });
    throw new Error(`Kafka: data dir ${dataDir} is not empty; pass a new directory (stop() deletes it)`);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.resolve(options.logFile ?? newLogFile(port));
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const pidFile = path.resolve(options.pidFile ?? path.join(RUN_DIR, `kafka-${port}.json`));

  const cleanupDirs = () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  };

  const serverProperties = path.join(workDir, 'server.properties');
  const log4jConfig = path.join(workDir, 'log4j2.properties');
  fs.writeFileSync(serverProperties, brokerConfig({ port, controllerPort, dataDir }));
  fs.writeFileSync(log4jConfig, LOG4J2_PROPERTIES);

  const java = javaBinary();
  const classpath = readClasspath(cpFile).join(path.delimiter);
  const jvm = [`-Xmx${options.heap ?? '512m'}`, '-Xms64m', '-XX:+ExitOnOutOfMemoryError', '-XX:+UseSerialGC', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath];

  // 1. Format the storage with a random cluster id (KRaft, dynamic quorum with this node as the
  //    only voter: the `--standalone` flag of kafka-storage.sh).
  const clusterId = randomClusterId();
  const format = await run(java, ['-XX:TieredStopAtLevel=1', ...jvm, 'kafka.tools.StorageTool', 'format', '--standalone',
    '--cluster-id', clusterId, '--config', serverProperties]);
  if (format.error) {
    cleanupDirs();
    throw format.error.code === 'ENOENT'
      ? new Error(`Kafka: \`${java}\` was not found; install Java 17+ or set JAVA_HOME`)
      : format.error;
  }
  if (format.status !== 0) {
    cleanupDirs();
    throw new Error(`Kafka: formatting the storage (kafka.tools.StorageTool format) failed with exit code ` +
      `${format.status ?? format.signal}${javaHint(format.stdout)}:\n${tailLines(format.stdout, LOG_TAIL_LINES)}`);
  }

  // 2. Start the broker, detached, its output appended straight to the log file; 3. wait until
  //    it serves clients. halt() and restart() below repeat these two steps on the same files.
  const watchParent = options.watchParent ?? true;
  const launch = async () => {
    const logFd = fs.openSync(logFile, 'a');
    const child = spawn(java, [...jvm, 'kafka.Kafka', serverProperties], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      cwd: workDir,
    });
    fs.closeSync(logFd);
    const broker = { pid: undefined, exit: null, exited: undefined, record: undefined };
    broker.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve((broker.exit = { code, signal })));
      child.once('error', (error) => resolve((broker.exit = { error })));
    });
    if (child.pid === undefined) await broker.exited;
    if (broker.exit?.error) {
      cleanupDirs();
      throw new Error(`Kafka: could not start \`${java}\`: ${broker.exit.error.message}`);
    }
    child.unref();
    broker.pid = child.pid;

    // persistent: meant to outlive the process that started it (`kafka.mjs start`).
    const record = { pid: broker.pid, brokers, port, controllerPort, dataDir, workDir, logFile, pidFile, ownerPid: process.pid,
      persistent: !watchParent, startedAt: new Date().toISOString() };
    if (watchParent) record.watchdogPid = spawnWatchdog(record);
    writeJson(pidFile, record);
    broker.record = record;
    log(`kafka: broker pid ${broker.pid} starting on ${brokers} (log ${path.relative(process.cwd(), logFile)})`);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError;
    for (;;) {
      if (broker.exit) {
        const text = readTail(logFile);
        const errors = firstErrors(logFile);
        cleanupAfterFailure(record, pidFile);
        const err = new Error(`Kafka: the broker exited during startup with ${describeExit(broker.exit)}${javaHint(text)}` +
          `${errors ? `; first errors:\n${errors}\n` : ''}; last ${LOG_TAIL_LINES} lines of ${logFile}:\n${text}`);
        err.addressInUse = /Address already in use|BindException/.test(errors + text);
        throw err;
      }
      try {
        await probeBroker(HOST, port);
        break;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) {
        await terminate(broker.pid, () => broker.exit !== null);
        cleanupAfterFailure(record, pidFile);
        throw new Error(`Kafka: the broker on ${brokers} was not ready after ${READY_TIMEOUT_MS / 1000} s ` +
          `(last probe error: ${lastError?.message}); last ${LOG_TAIL_LINES} lines of ${logFile}:\n${readTail(logFile)}`);
      }
      await Promise.race([sleep(250), broker.exited]);
    }
    return broker;
  };

  let broker = await launch();
  /** Ends the broker process (SIGTERM, or SIGKILL with `kill`), keeping its data, ports and files. */
  const haltBroker = async (kill = false) => {
    const current = broker;
    killWatchdog(current.record);
    if (kill && current.exit === null) {
      signal(current.pid, 'SIGKILL');
      // The child is unref()ed: poll (as terminate() does) so that the event loop stays alive.
      while (current.exit === null) await sleep(50);
    }
    await terminate(current.pid, () => current.exit !== null);
    await current.exited.catch(() => {});
  };

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      await haltBroker();
      cleanupDirs();
      fs.rmSync(pidFile, { force: true });
    })());

  const handle = {
    brokers, pid: broker.pid, port, controllerPort, dataDir, logFile, pidFile, stop,
    /** Stops the broker (a clean shutdown, or SIGKILL with { kill: true }) but keeps its data and ports for restart(). */
    async halt({ kill = false } = {}) {
      if (stopping) throw new Error('Kafka: halt() after stop()');
      await haltBroker(kill);
    },
    /** Starts the broker again on the same ports and data (it is halted first if it runs) and waits until it is ready. */
    async restart() {
      if (stopping) throw new Error('Kafka: restart() after stop()');
      await haltBroker();
      broker = await launch();
      handle.pid = broker.pid;
    },
  };
  return handle;
}

/**
 * Stops the broker recorded in a pid file (default: the one of `kafka.mjs start`), removes its
 * data dir and the pid file. Returns false when no such broker was running.
 */
export async function stopKafka(pidFile = DEFAULT_PID_FILE) {
  if (typeof pidFile === 'object' && pidFile !== null) pidFile = pidFile.pidFile ?? DEFAULT_PID_FILE;
  const record = readJson(pidFile);
  if (!record) return false;
  const wasRunning = isBroker(record.pid);
  killWatchdog(record);
  if (wasRunning) await terminate(record.pid, () => !isBroker(record.pid));
  removeRecordDirs(record);
  fs.rmSync(pidFile, { force: true });
  return wasRunning;
}

/** SIGTERM, wait up to 15 s, then SIGKILL. */
async function terminate(pid, hasExited) {
  if (hasExited()) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (!hasExited() && Date.now() < deadline) await sleep(100);
  if (hasExited()) return;
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (!hasExited() && Date.now() < killDeadline) await sleep(50);
}

function cleanupAfterFailure(record, pidFile) {
  killWatchdog(record);
  if (isBroker(record.pid)) signal(record.pid, 'SIGKILL');
  removeRecordDirs(record);
  fs.rmSync(pidFile, { force: true });
}

function removeRecordDirs(record) {
  for (const dir of [record.dataDir, record.workDir]) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Brokers from earlier runs whose starting process died without stopping them. */
function reapOrphans(log) {
  for (const file of pidFiles()) {
    const record = readJson(file);
    if (!record || record.persistent) continue;
    if (isAlive(record.ownerPid)) continue;
    if (isBroker(record.pid)) {
      log(`kafka: killing orphaned broker pid ${record.pid} (${record.brokers})`);
      signal(record.pid, 'SIGKILL');
    }
    killWatchdog(record);
    removeRecordDirs(record);
    fs.rmSync(file, { force: true });
  }
}

function pidFiles() {
  try {
    return fs.readdirSync(RUN_DIR)
      .filter((name) => name === 'kafka.pid' || /^kafka-\d+\.json$/.test(name))
      .map((name) => path.join(RUN_DIR, name));
  } catch {
    return [];
  }
}

// A tiny detached Node process that stops the broker if the process that started it dies without
// calling stop() (killed test runner, crashed harness). It exits as soon as the broker is gone.
function spawnWatchdog(record) {
  const watchdog = spawn(process.execPath, [fileURLToPath(import.meta.url), '__watchdog', JSON.stringify(record)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog.pid;
}

async function watchdog(record) {
  for (;;) {
    await sleep(1000);
    if (!isBroker(record.pid)) return;
    if (!isAlive(record.ownerPid)) {
      await terminate(record.pid, () => !isBroker(record.pid));
      removeRecordDirs(record);
      if (readJson(record.pidFile)?.pid === record.pid) fs.rmSync(record.pidFile, { force: true });
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Broker configuration

function brokerConfig({ port, controllerPort, dataDir }) {
  const lines = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'controller.quorum.bootstrap.servers': `${HOST}:${controllerPort}`,
    'log.dirs': dataDir,
    // One partition, one replica everywhere, including the internal topics.
    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'offsets.topic.num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'auto.create.topics.enable': 'true',
    'delete.topic.enable': 'true',
    'group.initial.rebalance.delay.ms': '0',
    // A test broker: few threads, quick shutdown.
    'num.network.threads': '2',
    'num.io.threads': '4',
    'num.recovery.threads.per.data.dir': '1',
  };
  return `# Written by tools/kafka/kafka.mjs\n${Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

const LOG4J2_PROPERTIES = `# Written by tools/kafka/kafka.mjs: everything to stdout, which goes to the log file.
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`;

/** A Kafka Uuid (16 random bytes, base64url) that does not start with '-', which the CLI parser would read as an option. */
function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaBinary() {
  const home = process.env.JAVA_HOME;
  const exe = process.platform === 'win32' ? 'java.exe' : 'java';
  if (home && fs.existsSync(path.join(home, 'bin', exe))) return path.join(home, 'bin', exe);
  return 'java';
}

function javaHint(text) {
  return /UnsupportedClassVersionError/.test(text) ? ' (Kafka 4.x needs Java 17 or newer)' : '';
}

function newLogFile(port) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const old = fs.readdirSync(LOG_DIR).filter((n) => n.endsWith('.log')).sort();
  for (const name of old.slice(0, Math.max(0, old.length - (KEEP_LOGS - 1)))) {
    fs.rmSync(path.join(LOG_DIR, name), { force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(LOG_DIR, `kafka-${stamp}-${port}.log`);
}

// ---------------------------------------------------------------------------------------------
// Minimal Kafka wire protocol: just enough to know that the broker serves clients.
// Both requests use old non-flexible versions that every 4.x broker serves and kafkajs uses too.

const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;
const API_INIT_PRODUCER_ID = 22;

/**
 * Resolves when the broker on host:port is ready for clients: a Metadata (v4) response lists a
 * live broker and a controller, and the group and transaction coordinators answer FindCoordinator
 * (v2) without error, and InitProducerId (v1) hands out a producer id. These create
 * __consumer_offsets and __transaction_state and fetch the first block of producer ids from the
 * controller, so the first consumer group or idempotent producer of a test does not spend its time
 * on "coordinator not available / loading" retries.
 */
export async function probeBroker(host, port, timeoutMs = 3000) {
  const metadata = await kafkaRequest(host, port, API_METADATA, 4, metadataRequestV4(), parseMetadataV4, timeoutMs);
  if (metadata.brokers.length === 0 || metadata.controllerId < 0) {
    throw new Error('the broker does not list a live broker and controller yet');
  }
  // In parallel: each request makes the broker create or load something, and all are idempotent.
  const checks = await Promise.allSettled([
    ...[[0, 'group'], [1, 'transaction']].map(async ([keyType, what]) => {
      const { errorCode } = await kafkaRequest(host, port, API_FIND_COORDINATOR, 2,
        findCoordinatorRequestV2('chorus-kafka-probe', keyType), parseErrorAfterThrottle, timeoutMs);
      if (errorCode !== 0) throw new Error(`the ${what} coordinator is not available yet (error code ${errorCode})`);
    }),
    (async () => {
      const { errorCode } = await kafkaRequest(host, port, API_INIT_PRODUCER_ID, 1, initProducerIdRequestV1(),
        parseErrorAfterThrottle, timeoutMs);
      if (errorCode !== 0) throw new Error(`the broker cannot hand out producer ids yet (error code ${errorCode})`);
    })(),
  ]);
  const failed = checks.find((check) => check.status === 'rejected');
  if (failed) throw failed.reason;
  return metadata;
}

function kafkaRequest(host, port, apiKey, apiVersion, body, parse, timeoutMs) {
  const clientId = Buffer.from('chorus-kafka-probe');
  const header = Buffer.alloc(2 + 2 + 4 + 2);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(1, 4); // correlation id
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length + body.length, 0);

  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffered = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no response to API ${apiKey} from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(Buffer.concat([size, header, clientId, body])));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
      socket.destroy();
      try {
        resolve(parse(reader(buffered.subarray(8, 4 + buffered.readInt32BE(0))))); // skips size and correlation id
      } catch (err) {
        reject(err);
      }
    });
    socket.once('close', () => reject(new Error(`connection to ${host}:${port} closed before a response to API ${apiKey}`)));
  });
}

function reader(buf) {
  let at = 0;
  const r = {
    int16: () => ((at += 2), buf.readInt16BE(at - 2)),
    int32: () => ((at += 4), buf.readInt32BE(at - 4)),
    string: () => {
      const len = r.int16();
      if (len < 0) return null;
      at += len;
      return buf.toString('utf8', at - len, at);
    },
  };
  return r;
}

function metadataRequestV4() {
  const body = Buffer.alloc(4 + 1);
  body.writeInt32BE(-1, 0); // topics: null = all
  body.writeInt8(0, 4); // allow_auto_topic_creation
  return body;
}

function parseMetadataV4(r) {
  r.int32(); // throttle_time_ms
  const brokers = [];
  for (let n = r.int32(); n > 0; n--) brokers.push({ nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.string() });
  const clusterId = r.string();
  const controllerId = r.int32();
  return { brokers, clusterId, controllerId };
}

function findCoordinatorRequestV2(id, keyType) {
  const key = Buffer.from(id);
  const body = Buffer.alloc(2 + key.length + 1);
  body.writeInt16BE(key.length, 0);
  key.copy(body, 2);
  body.writeInt8(keyType, 2 + key.length); // key_type: 0 = consumer group, 1 = transactional id
  return body;
}

function initProducerIdRequestV1() {
  const body = Buffer.alloc(2 + 4);
  body.writeInt16BE(-1, 0); // transactional_id: null (an idempotent producer)
  body.writeInt32BE(60_000, 2); // transaction_timeout_ms
  return body;
}

/** FindCoordinator v2 and InitProducerId v1 responses both start with throttle_time_ms, error_code. */
function parseErrorAfterThrottle(r) {
  r.int32(); // throttle_time_ms
  return { errorCode: r.int16() };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function freePort(avoid = []) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => (avoid.includes(port) ? freePort(avoid).then(resolve, reject) : resolve(port)));
    });
  });
}

/** A live process whose command line shows it is one of our brokers (pid files outlive reboots). */
function isBroker(pid) {
  return isAlive(pid) && commandLineIncludes(pid, 'kafka.Kafka');
}

function killWatchdog(record) {
  if (record.watchdogPid && isAlive(record.watchdogPid) && commandLineIncludes(record.watchdogPid, '__watchdog')) {
    signal(record.watchdogPid, 'SIGKILL');
  }
}

function commandLineIncludes(pid, marker) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return process.platform !== 'linux'; // no /proc: trust the pid file
  }
}

function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie (exited, not yet reaped) still answers signal 0.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function describeExit({ code, signal: sig, error }) {
  if (error) return `error ${error.message}`;
  return code !== null ? `exit code ${code}` : `signal ${sig}`;
}

function readTail(file, lines = LOG_TAIL_LINES) {
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
function firstErrors(file, max = 6) {
  try {
    const found = fs.readFileSync(file, 'utf8').split('\n')
      .filter((line) => / ERROR /.test(line) || /^Caused by: /.test(line));
    return found.slice(0, max).map((line) => line.slice(0, 500)).join('\n');
  } catch {
    return '';
  }
}

function tailLines(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// CLI

function usage() {
  return `usage: node tools/kafka/kafka.mjs <command>
  start [--port N] [--controller-port N]   start a broker (or report the running one); prints KAFKA_BROKERS=host:port
  stop                                     stop it, plus brokers left behind by dead test runs
  status                                   print the running broker(s); exit code 1 when none
  classpath                                resolve the jars (Maven, cached) and print the classpath file
Env: CHORUS_KAFKA_VERSION overrides the Kafka version of pom.xml; JAVA_HOME selects the JVM.`;
}

async function cli(argv) {
  const [command, ...rest] = argv;
  const flag = (name) => {
    const i = rest.indexOf(name);
    return i >= 0 && rest[i + 1] !== undefined ? Number(rest[i + 1]) : undefined;
  };
  const log = (msg) => console.error(msg);
  switch (command) {
    case 'start': {
      const running = readJson(DEFAULT_PID_FILE);
      if (running && isBroker(running.pid)) {
        log(`kafka: already running (pid ${running.pid})`);
        console.log(`KAFKA_BROKERS=${running.brokers}`);
        return 0;
      }
      const started = Date.now();
      const kafka = await startKafka({ port: flag('--port'), controllerPort: flag('--controller-port'),
        pidFile: DEFAULT_PID_FILE, watchParent: false, log });
      log(`kafka: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${kafka.pid}); stop with: node tools/kafka/kafka.mjs stop`);
      console.log(`KAFKA_BROKERS=${kafka.brokers}`);
      return 0;
    }
    case 'stop': {
      let stopped = 0;
      for (const file of pidFiles()) {
        const record = readJson(file);
        // Leave brokers of live test runs alone; their harness stops them.
        if (record && !record.persistent && isAlive(record.ownerPid)) continue;
        if (await stopKafka(file)) {
          stopped++;
          log(`kafka: stopped pid ${record?.pid} (${record?.brokers})`);
        }
      }
      if (stopped === 0) log('kafka: no broker was running');
      return 0;
    }
    case 'status': {
      let running = 0;
      for (const file of pidFiles()) {
        const record = readJson(file);
        if (!record || !isBroker(record.pid)) continue;
        running++;
        const ready = await probeBroker(HOST, record.port).then(() => 'ready', (err) => `not ready: ${err.message}`);
        const owner = record.persistent ? 'cli' : `owner pid ${record.ownerPid}`;
        console.log(`KAFKA_BROKERS=${record.brokers} pid=${record.pid} ${owner} ${ready} log=${record.logFile}`);
      }
      if (running === 0) console.log('kafka: not running');
      return running > 0 ? 0 : 1;
    }
    case 'classpath': {
      console.log(await resolveClasspath({ log }));
      return 0;
    }
    case '__watchdog':
      await watchdog(JSON.parse(rest[0]));
      return 0;
    default:
      console.error(usage());
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
