/**
 * Composition root: configuration -> storage -> projections -> sync -> Kafka relay (with
 * KAFKA_BROKERS) -> HTTP. `npm start` runs this.
 */
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildHttpApp } from '../http/app.js';
import { ReadinessProblem } from '../http/routes/health.js';
import { createMetrics, instrumentEventStore } from '../http/metrics.js';
import { servedRoutes, type ServedRoute } from '../http/openapi.js';
import { allProjections } from '../projections/index.js';
import { Projections } from '../projections/manager.js';
import { importDemoCatalogIfEmpty } from '../application/catalog/demo.js';
import { createRedisPubSub } from '../gateways/cache/pubsub.js';
import { relaySettings, startRelay, type RunningRelay } from './relay.js';
import { startSync } from './sync.js';
import { startPlayerSync } from './player-sync.js';
import { startAccounts, type AccountsRuntime } from './accounts.js';
import { startRecommendations } from './recommendations.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openStorage, type Storage } from './storage.js';
import { ProjectionsThread } from './projections-thread.js';
import { MirroredRunners } from '../projections/mirrored-runners.js';
import { PostgresEventStore } from '../gateways/event-store/postgres/store.js';
import { openMedia } from './media.js';
import { ensureWebBuild } from '../web/build.js';
import { subsonicPlugin } from '../subsonic/plugin.js';
import { readFileSync } from 'node:fs';

const { version: VERSION } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export interface RunningChorus {
  url: string;
  /** The HTTP routes served (method and URL), for checks such as the OpenAPI document's. */
  routes(): readonly ServedRoute[];
  close(): Promise<void>;
}

export async function startChorus(config: Config, logger: Logger): Promise<RunningChorus> {
  const embedded = !config.databaseUrl;
  // The web client's build is checked (and made, when stale) while the stores open.
  const web = config.web ? webBuild(logger) : Promise.resolve(undefined);
  const media = await openMedia(config, logger);
  const storage = await openStorage(config, logger);
  const mirror = config.projections === 'thread' ? new MirroredRunners((a, b) => storage.events.comparePositions(a, b)) : undefined;
  const projections = new Projections({ store: storage.events, sql: storage.sql, cache: storage.cache, logger, mirror }, allProjections);
  const thread = mirror ? projectionsThread(config, storage, projections, mirror, logger) : undefined;
  const stopProjections = async () => {
    await projections.stop();
    await thread?.stop();
  };
  const metrics = createMetrics({ projections });
  const store = instrumentEventStore(storage.events, metrics);
  try {
    if (config.demoCatalog ?? embedded) {
      const imported = await importDemoCatalogIfEmpty(store, new Date());
      if (imported) logger.info({ artists: imported.artists.added, albums: imported.albums.added }, 'demo catalog imported');
    }
    await thread?.start();
    await projections.start();
  } catch (error) {
    await stopProjections();
    await storage.close();
    throw error;
  }
  let accounts: AccountsRuntime;
  try {
    accounts = await startAccounts(config, { store, sql: storage.sql, cache: storage.cache, logger });
  } catch (error) {
    await stopProjections();
    await storage.close();
    throw error;
  }
  const auth = accounts.verifier;
  // One pub/sub connection pair for the fan-out between nodes (playlists and the player).
  const pubsub = config.redisUrl ? createRedisPubSub(config.redisUrl, config.redisKeyPrefix, logger) : undefined;
  const sync = await startSync({
    store,
    sql: storage.sql,
    auth,
    projections,
    logger,
    registry: metrics.registry,
    limits: config.sync,
    pubsub,
    // Edits per second counted across nodes where the cache is shared (Redis).
    cache: storage.cache.kind === 'redis' ? storage.cache : undefined,
  }).catch(async (error: unknown) => {
    await stopProjections();
    await storage.close();
    throw error;
  });
  const player = await startPlayerSync({ store, sql: storage.sql, auth, logger, now: () => new Date(), pubsub }).catch(async (error: unknown) => {
    await sync.close();
    await stopProjections();
    await storage.close();
    throw error;
  });
  let relay: RunningRelay | undefined;
  if (config.kafkaBrokers?.length) {
    try {
      relay = await startRelay({ config, store: storage.events, sql: storage.sql, logger, registry: metrics.registry });
    } catch (error) {
      await player.close();
      await sync.close();
      await stopProjections();
      await storage.close();
      throw error;
    }
  }
  const recommendations = startRecommendations({ store: storage.events, cache: storage.cache, logger });
  const webRoot = await web;
  const http = await buildHttpApp({
    logger,
    metrics,
    trustProxy: config.trustProxy,
    ...(webRoot ? { web: { root: webRoot } } : {}),
    readiness: [
      { name: 'event-store', check: async () => void (await storage.events.headPosition()) },
      { name: 'sql', check: async () => void (await storage.sql.query('select 1')) },
      { name: 'cache', check: () => storage.cache.ping() },
      { name: 'projections', check: () => projectionsReadiness(projections) },
      ...(relay ? [relay.readiness] : []),
    ],
    api: {
      store,
      sql: storage.sql,
      cache: storage.cache,
      projections,
      auth,
      accounts: accounts.accounts,
      devTokens: accounts.devTokens,
      documents: sync.server,
      recommendations: recommendations.service,
      player: player.service,
      logger,
      now: () => new Date(),
      writesPerMinute: config.writesPerMinute,
      maxPlaylistsPerUser: config.maxPlaylistsPerUser,
      streaming: media,
    },
  });
  // The OpenSubsonic API (/rest/*), beside the HTTP API on the same server.
  await subsonicPlugin(http, {
    store,
    sql: storage.sql,
    cache: storage.cache,
    projections,
    accounts: accounts.accounts,
    documents: sync.server,
    logger,
    now: () => new Date(),
    serverVersion: VERSION,
    maxPlaylistsPerUser: config.maxPlaylistsPerUser,
    streaming: media,
  });
  http.server.on('upgrade', (request, socket, head) => {
    if (player.server.handles(request)) {
      player.server.handleUpgrade(request, socket, head).catch(() => socket.destroy());
      return;
    }
    if (!sync.server.handles(request)) return socket.destroy();
    // handleUpgrade answers every request itself; a rejection here would be a bug, and is logged.
    sync.server.handleUpgrade(request, socket, head).catch((error: unknown) => {
      logger.error({ err: error }, 'sync: upgrade handler failed');
      socket.destroy();
    });
  });
  try {
    await http.listen({ host: config.host, port: config.port });
  } catch (error) {
    await player.close();
    await sync.close();
    await relay?.stop();
    await recommendations.stop();
    await stopProjections();
    await storage.close();
    throw error;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  // The warning comes before the listening line, so whoever waits for that line has it too.
  if (!isLoopback(config.host) && (await accounts.devTokens.enabled().catch(() => true))) {
    logger.warn(
      { host: config.host },
      `WARNING: dev tokens are on and Chorus listens on ${config.host}: anyone who reaches this port can mint a token for ` +
        'any user (POST /v1/auth/dev-token) and act as them. Keep HOST=127.0.0.1 (the default with dev tokens), or sign users ' +
        'in for real (local accounts, or CHORUS_JWKS_URL) before exposing it.',
    );
  }
  logger.info(
    { url, node: config.nodeId, auth: accounts.description, kafka: relay ? relay.settings.brokers : 'off' },
    `Chorus listening on ${url} — ${storage.description}. Sign-in: ${accounts.description}. ` +
      (embedded && !config.esdbUrl
        ? 'Embedded mode: set DATABASE_URL, ESDB_URL, REDIS_URL or KAFKA_BROKERS to use real servers.'
        : 'Using the configured servers.'),
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    routes: () => servedRoutes(http),
    close() {
      closing ??= (async () => {
        // Both close their sockets (1001) at once; the sync server then stores what is queued, for
        // at most half the shutdown's time, whatever the player's close waits for.
        await Promise.all([player.close(), sync.close()]);
        await http.close(); // stops accepting, lets in-flight requests finish
        await relay?.stop(); // publishes what it holds, stores its checkpoint
        await recommendations.stop();
        await stopProjections();
        await storage.close();
        await pubsub?.close();
      })();
      return closing;
    },
  };
}

/** Projections in a thread of their own, mirrored into `projections` (which then runs none). */
function projectionsThread(config: Config, storage: Storage, projections: Projections, mirror: MirroredRunners, logger: Logger): ProjectionsThread {
  const wakeups = storage.events instanceof PostgresEventStore ? storage.events.wakeups : undefined;
  const thread = new ProjectionsThread(config, {
    mirror,
    logger,
    onActivated: () => void projections.reconcile().catch((error: unknown) => logger.warn({ err: error }, 'projections: could not read the registry')),
    // Woken after each append here, the thread needs no NOTIFY from this process.
    onListener: (id) => wakeups?.ignoreListener(id),
    mainListenerId: wakeups?.listenerId,
  });
  if (wakeups) wakeups.onAnnounce = () => thread.wake();
  return thread;
}

/** The browser client's build folder, built first when missing or stale; undefined if none can be had. */
async function webBuild(logger: Logger): Promise<string | undefined> {
  try {
    const result = await ensureWebBuild({ log: (message) => logger.info(message) });
    if (result.reason) logger.warn(`web client: ${result.reason}`);
    return result.dir;
  } catch (error) {
    logger.error({ err: error }, 'web client: the build failed; the API is served without it');
    return undefined;
  }
}

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Ready unless a projection has stopped (a broken projection, not bad data); poison events it
 * skipped are a note. Names and counts only: /readyz is public, the errors are in the log and in
 * `chorus projections status`.
 */
async function projectionsReadiness(projections: Projections): Promise<string | undefined> {
  const status = await projections.status();
  const failed = [...new Set(status.filter((p) => p.generations.some((g) => g.runner?.state === 'failed')).map((p) => p.name))];
  if (failed.length > 0) throw new ReadinessProblem(`stopped: ${failed.join(', ')} (see the server log and \`chorus projections status\`)`);
  const skipped = status.flatMap((p) =>
    p.generations.filter((g) => g.status === 'active' && g.poisoned > 0).map((g) => `${p.name} skipped ${g.poisoned} event(s) it cannot apply`),
  );
  return skipped.length > 0 ? skipped.join('; ') : undefined;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    if (config.kafkaBrokers?.length) relaySettings(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`chorus: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { node: config.nodeId } });
  // A promise nobody waited for must not stop the node for everyone: it is a bug, logged loudly.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (a bug); the node goes on');
  });
  let running: RunningChorus;
  try {
    running = await startChorus(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `Chorus could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // Whatever a store or a server does (a held lock, a hung connection), the process ends in time.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown did not finish in time; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    running.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error('chorus: failed to start', error);
    process.exit(1);
  });
}
