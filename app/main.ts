/**
 * Composition root: configuration -> storage -> projections -> sync -> Kafka relay (with
 * KAFKA_BROKERS) -> HTTP. `npm start` runs this.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildHttpApp } from '../gateways/http/app.js';
import { createDevAuthenticator, createJwksAuthenticator, type Authenticator } from '../gateways/http/auth.js';
import { createMetrics, instrumentEventStore } from '../gateways/http/metrics.js';
import { allProjections } from '../projections/index.js';
import { Projections } from '../projections/manager.js';
import { importDemoCatalogIfEmpty } from './catalog/demo.js';
import { createRedisPubSub } from '../gateways/redis/pubsub.js';
import { relaySettings, startRelay, type RunningRelay } from './relay.js';
import { startSync } from './sync.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openStorage } from './storage.js';

export interface RunningChorus {
  url: string;
  close(): Promise<void>;
}

export async function startChorus(config: Config, logger: Logger): Promise<RunningChorus> {
  const embedded = !config.databaseUrl;
  const storage = await openStorage(config, logger);
  const projections = new Projections({ store: storage.events, sql: storage.sql, cache: storage.cache, logger }, allProjections);
  const metrics = createMetrics({ projections });
  const store = instrumentEventStore(storage.events, metrics);
  try {
    if (config.demoCatalog ?? embedded) {
      const imported = await importDemoCatalogIfEmpty(store, new Date());
      if (imported) logger.info({ artists: imported.artists.added, albums: imported.albums.added }, 'demo catalog imported');
    }
    await projections.start();
  } catch (error) {
    await projections.stop();
    await storage.close();
    throw error;
  }
  const auth = authenticator(config, logger);
  const sync = await startSync({
    store,
    sql: storage.sql,
    auth,
    projections,
    logger,
    registry: metrics.registry,
    limits: config.sync,
    pubsub: config.redisUrl ? createRedisPubSub(config.redisUrl, config.redisKeyPrefix, logger) : undefined,
  }).catch(async (error: unknown) => {
    await projections.stop();
    await storage.close();
    throw error;
  });
  let relay: RunningRelay | undefined;
  if (config.kafkaBrokers?.length) {
    try {
      relay = startRelay({ config, store: storage.events, sql: storage.sql, logger, registry: metrics.registry });
    } catch (error) {
      await sync.close();
      await projections.stop();
      await storage.close();
      throw error;
    }
  }
  const http = await buildHttpApp({
    logger,
    metrics,
    readiness: [
      { name: 'event-store', check: async () => void (await storage.events.headPosition()) },
      { name: 'sql', check: async () => void (await storage.sql.query('select 1')) },
      { name: 'cache', check: () => storage.cache.ping() },
      { name: 'projections', check: () => projectionsHealthy(projections) },
      ...(relay ? [relay.readiness] : []),
    ],
    api: {
      store,
      sql: storage.sql,
      cache: storage.cache,
      projections,
      auth,
      sync: sync.server,
      logger,
      now: () => new Date(),
      writesPerMinute: config.writesPerMinute,
    },
  });
  http.server.on('upgrade', (request, socket, head) => {
    if (sync.server.handles(request)) void sync.server.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  try {
    await http.listen({ host: config.host, port: config.port });
  } catch (error) {
    await sync.close();
    await relay?.stop();
    await projections.stop();
    await storage.close();
    throw error;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info(
    { url, node: config.nodeId, auth: config.auth.mode, kafka: relay ? relay.settings.brokers : 'off' },
    `Chorus listening on ${url} — ${storage.description}. ` +
      (embedded && !config.esdbUrl
        ? 'Embedded mode: set DATABASE_URL, ESDB_URL, REDIS_URL or KAFKA_BROKERS to use real servers.'
        : 'Using the configured servers.'),
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await sync.close(); // stores what is queued, closes sockets (1001)
        await http.close(); // stops accepting, lets in-flight requests finish
        await relay?.stop(); // publishes what it holds, stores its checkpoint
        await projections.stop();
        await storage.close();
      })();
      return closing;
    },
  };
}

/** Dev tokens are signed with CHORUS_DEV_TOKEN_SECRET, or a secret kept in the data folder. */
function authenticator(config: Config, logger: Logger): Authenticator {
  if (config.auth.mode === 'jwks') return createJwksAuthenticator(config.auth);
  if (config.auth.secret) return createDevAuthenticator(new TextEncoder().encode(config.auth.secret));
  if (!config.databaseUrl) {
    mkdirSync(config.dataDir, { recursive: true });
    const file = join(config.dataDir, 'dev-token-secret');
    let secret: string;
    try {
      secret = readFileSync(file, 'utf8').trim();
    } catch {
      secret = randomBytes(32).toString('base64url');
      writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    }
    return createDevAuthenticator(new TextEncoder().encode(secret));
  }
  logger.warn('dev tokens: no CHORUS_DEV_TOKEN_SECRET; using a random secret (tokens die with this process and other nodes reject them)');
  return createDevAuthenticator(randomBytes(32));
}

/** Ready unless a projection has stopped on a poison event. */
async function projectionsHealthy(projections: Projections): Promise<void> {
  const failed = (await projections.status()).flatMap((p) =>
    p.generations.filter((g) => g.runner?.state === 'failed').map((g) => `${p.name} (g${g.generation}): ${g.runner?.error}`),
  );
  if (failed.length > 0) throw new Error(`projection stopped: ${failed.join('; ')}`);
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
  let running: RunningChorus;
  try {
    running = await startChorus(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `Chorus could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
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
  void main();
}
