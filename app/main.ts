/**
 * Composition root: configuration -> storage -> HTTP. `npm start` runs this.
 */
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildHttpApp } from '../gateways/http/app.js';
import { allProjections } from '../projections/index.js';
import { Projections } from '../projections/manager.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openStorage } from './storage.js';

export interface RunningChorus {
  url: string;
  close(): Promise<void>;
}

export async function startChorus(config: Config, logger: Logger): Promise<RunningChorus> {
  const storage = await openStorage(config, logger);
  const projections = new Projections({ store: storage.events, sql: storage.sql, cache: storage.cache, logger }, allProjections);
  const http = await buildHttpApp({
    logger,
    readiness: [
      { name: 'event-store', check: async () => void (await storage.events.headPosition()) },
      { name: 'sql', check: async () => void (await storage.sql.query('select 1')) },
      { name: 'cache', check: () => storage.cache.ping() },
      { name: 'projections', check: () => projectionsHealthy(projections) },
    ],
  });
  try {
    await projections.start();
    await http.listen({ host: config.host, port: config.port });
  } catch (error) {
    await projections.stop();
    await storage.close();
    throw error;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info(
    { url, node: config.nodeId },
    `Chorus listening on ${url} — ${storage.description}. ` +
      (config.databaseUrl || config.esdbUrl
        ? 'Using the configured servers.'
        : 'Embedded mode: set DATABASE_URL, ESDB_URL, REDIS_URL or KAFKA_BROKERS to use real servers.'),
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await http.close(); // stops accepting, lets in-flight requests finish
        await projections.stop();
        await storage.close();
      })();
      return closing;
    },
  };
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
