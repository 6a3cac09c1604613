/**
 * The projections thread (app/projections-thread.ts starts it): opens its own connections to the
 * stores of the configuration and runs every projection, reporting each runner's status to the
 * main thread, which answers queries and read-your-writes waits from them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { PostgresEventStore } from '../gateways/event-store/postgres/store.js';
import { allProjections } from '../projections/index.js';
import { Projections } from '../projections/manager.js';
import type { ProjectionsThreadData, ToMain, ToThread } from './projections-thread.js';
import { openStorage } from './storage.js';

const port = parentPort!;
const { config, poolSize, mainListenerId } = workerData as ProjectionsThreadData;
const post = (message: ToMain) => port.postMessage(message);
const logger = pino({ level: config.logLevel, base: { node: config.nodeId, thread: 'projections' } });

process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'projections thread: unhandled promise rejection (a bug); it goes on');
});

const storage = await openStorage({ ...config, pgPoolSize: poolSize }, logger);
const wakeups = storage.events instanceof PostgresEventStore ? storage.events.wakeups : undefined;
// The main thread wakes this one after each of its appends: the NOTIFY it sends other processes then is no news here.
if (mainListenerId) wakeups?.ignoreNotifiesFrom(mainListenerId);
const projections = new Projections(
  {
    store: storage.events,
    sql: storage.sql,
    cache: storage.cache,
    logger,
    onStatus: (status) => post({ type: 'status', status }),
    onActivated: (name, generation) => post({ type: 'activated', name, generation }),
  },
  allProjections,
);

let stopping: Promise<void> | undefined;
port.on('message', (message: ToThread) => {
  if (message.type === 'wake') wakeups?.wake();
  else if (message.type === 'stop') {
    stopping ??= (async () => {
      await projections.stop();
      await storage.close();
      post({ type: 'stopped' });
      port.close();
    })();
  }
});

await projections.start();
post({ type: 'ready', listenerId: wakeups?.listenerId });
