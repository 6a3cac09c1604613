/**
 * Configuration from the environment. With nothing set, Chorus runs embedded: PGlite under
 * ./.chorus, no external services. Each *_URL switches one part to a real server.
 */
import { resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  /** Embedded data (PGlite) lives here. */
  dataDir: string;
  /** PostgreSQL for events (unless ESDB_URL is set) and read models. */
  databaseUrl: string | undefined;
  /** EventStoreDB for events. */
  esdbUrl: string | undefined;
  redisUrl: string | undefined;
  kafkaBrokers: string[] | undefined;
  nodeId: string;
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(env.PORT)}`);
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  return {
    host: env.HOST || '0.0.0.0',
    port,
    dataDir: resolve(env.CHORUS_DATA_DIR || '.chorus'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    esdbUrl: url(env, 'ESDB_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kurrentdb+discover:', 'kdb:', 'kdb+discover:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) : undefined,
    nodeId: env.CHORUS_NODE_ID || 'chorus-1',
    logLevel,
  };
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return value;
}
