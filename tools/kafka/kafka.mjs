#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for tests.
//
// The jars come from Maven Central through tools/kafka/pom.xml and stay in ~/.m2; the computed
// classpath is cached in tools/kafka/.run/ keyed by a hash of pom.xml, so a warm start never runs
// Maven (classpath.mjs). Readiness is asked with the kafkajs admin (probe.mjs).
//
//   import { startKafka } from '../../tools/kafka/kafka.mjs';
//   const kafka = await startKafka();        // { brokers: '127.0.0.1:PORT', pid, stop, ... }
//   ...; await kafka.stop();
//
//   node tools/kafka/kafka.mjs start|stop|status|classpath      (see usage() below)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST, LOG4J2_PROPERTIES, brokerConfig, javaBinary, javaHint, randomClusterId } from './broker-config.mjs';
import { readClasspath, resolveClasspath } from './classpath.mjs';
import { DEFAULT_PID_FILE, LOG_TAIL_LINES, RUN_DIR, firstErrors, newLogFile, pidFiles, readJson, readTail, tailLines, writeJson } from './files.mjs';
import { probeBroker } from './probe.mjs';
import {
  cleanupAfterFailure, describeExit, freePort, isAlive, isBroker, killWatchdog, reapOrphans, removeRecordDirs, run, signal, sleep, terminate,
} from './processes.mjs';

export { DEFAULT_PID_FILE, RUN_DIR } from './files.mjs';
export { resolveClasspath } from './classpath.mjs';
export { probeBroker } from './probe.mjs';

const READY_TIMEOUT_MS = 90_000;

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
