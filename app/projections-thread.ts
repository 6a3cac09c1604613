/**
 * Projections in a thread of their own (CHORUS_PROJECTIONS=thread, on PostgreSQL with Redis).
 * Applying a batch (decoding a playlist's stored updates, building rows) holds an event
 * loop for milliseconds at a time; on the main thread it delays the sync server's relay, the player's
 * fan-out and the HTTP API behind it. Here the main thread keeps a mirror of the runners' statuses
 * (read-your-writes waits on them), wakes the thread after each of its appends (no NOTIFY round
 * trip for it), and restarts it, with back-off, if it fails.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Backoff } from '../gateways/backoff.js';
import { startTsWorker } from '../gateways/ts-worker.js';
import type { RunnerStatus } from '../projections/runner.js';
import type { MirroredRunners } from '../projections/mirrored-runners.js';
import type { Config } from './config.js';

export interface ProjectionsThreadData {
  config: Config;
  /** Connections of the thread's PostgreSQL pool (its locks have their own). */
  poolSize: number;
  /** The main thread's event-store listener: the thread, woken by it after each append, passes over its NOTIFYs. */
  mainListenerId: string | undefined;
}

export type ToThread = { type: 'wake' } | { type: 'stop' };

export type ToMain =
  | { type: 'ready'; listenerId: string | undefined }
  | { type: 'status'; status: RunnerStatus }
  | { type: 'activated'; name: string; generation: number }
  | { type: 'stopped' };

export interface ProjectionsThreadHooks {
  mirror: MirroredRunners;
  logger: Logger;
  /** A new generation serves queries: re-read the registry. */
  onActivated(): void;
  /** The thread registers as an event-store listener under this id once it is ready. */
  onListener(listenerId: string): void;
  /** The main thread's own listener id (it wakes the thread itself after each append). */
  mainListenerId?: string;
}

const POOL_SIZE = 10;
const STOP_TIMEOUT_MS = 10_000;

export class ProjectionsThread {
  private worker: Worker | undefined;
  private stopped = false;
  private readonly restartDelay = new Backoff({ minMs: 500, maxMs: 10_000 });
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Config,
    private readonly hooks: ProjectionsThreadHooks,
  ) {}

  /** Starts the thread; resolves once its projections have started (their generations exist). */
  start(): Promise<void> {
    return new Promise((ready, failed) => this.spawn({ ready, failed }));
  }

  /** Something was appended here: the thread's subscriptions read on. */
  wake(): void {
    this.worker?.postMessage({ type: 'wake' } satisfies ToThread);
  }

  /** Stops the projections (each commits what it applied) and ends the thread. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToThread);
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await ended;
    clearTimeout(timer);
    this.hooks.mirror.clear();
  }

  /** Runs a thread; `first` hears of the first start, a restart only logs. */
  private spawn(first?: { ready(): void; failed(error: Error): void }): void {
    const { logger, mirror } = this.hooks;
    const worker = startTsWorker(new URL('./projections-worker.ts', import.meta.url), {
      workerData: { config: this.config, poolSize: Math.min(this.config.pgPoolSize, POOL_SIZE), mainListenerId: this.hooks.mainListenerId } satisfies ProjectionsThreadData,
    });
    this.worker = worker;
    let started = false;
    let failure: Error | undefined;
    worker.on('message', (message: ToMain) => {
      switch (message.type) {
        case 'status':
          return mirror.update(message.status);
        case 'activated':
          return this.hooks.onActivated();
        case 'ready':
          started = true;
          this.restartDelay.reset();
          if (message.listenerId) this.hooks.onListener(message.listenerId);
          if (first) first.ready();
          else logger.info('projections thread restarted');
          return;
        case 'stopped':
          return;
      }
    });
    worker.on('error', (error) => {
      failure = error;
      logger.error({ err: error }, 'projections thread failed');
    });
    worker.on('exit', (code) => {
      this.worker = undefined;
      mirror.clear();
      if (this.stopped) return;
      const error = failure ?? new Error(`the projections thread exited (code ${code})`);
      if (!started && first) return first.failed(error);
      // Read models stop moving while it is down (read-your-writes waits time out): restart it.
      const delayMs = this.restartDelay.next();
      logger.error({ err: error, restartInMs: delayMs }, 'projections thread stopped; restarting it');
      this.restartTimer = setTimeout(() => this.spawn(), delayMs);
    });
  }
}
