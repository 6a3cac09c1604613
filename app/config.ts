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
  /** Connections of the PostgreSQL pool (CHORUS_PG_POOL_SIZE, default 20). */
  pgPoolSize: number;
  /** EventStoreDB for events. */
  esdbUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every Redis key (several deployments, or test runs, on one Redis). */
  redisKeyPrefix: string;
  kafkaBrokers: string[] | undefined;
  nodeId: string;
  logLevel: string;
  auth:
    | { mode: 'dev'; secret: string | undefined }
    | { mode: 'jwks'; jwksUrl: string; issuer: string; audience: string };
  /** Writes per user per minute before 429. */
  writesPerMinute: number;
  /** Limits of the WebSocket sync server (CHORUS_SYNC_*). */
  sync: {
    pingIntervalMs?: number;
    maxMessageBytes?: number;
    maxConnections?: number;
    maxRooms?: number;
    idleUnloadMs?: number;
  };
  /** Import the demo catalog when the store has none (default: in embedded mode only). */
  demoCatalog: boolean | undefined;
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
  const writesPerMinute = env.CHORUS_RATE_LIMIT_WRITES ? Number(env.CHORUS_RATE_LIMIT_WRITES) : 600;
  if (!Number.isInteger(writesPerMinute) || writesPerMinute < 1) {
    throw new ConfigError(`CHORUS_RATE_LIMIT_WRITES must be a whole number >= 1, got ${JSON.stringify(env.CHORUS_RATE_LIMIT_WRITES)}`);
  }
  return {
    host: env.HOST || '0.0.0.0',
    port,
    dataDir: resolve(env.CHORUS_DATA_DIR || '.chorus'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    pgPoolSize: optionalNumber(env, 'CHORUS_PG_POOL_SIZE', 'size', 2).size ?? 20,
    esdbUrl: url(env, 'ESDB_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kurrentdb+discover:', 'kdb:', 'kdb+discover:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: env.CHORUS_REDIS_KEY_PREFIX ?? '',
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) : undefined,
    nodeId: env.CHORUS_NODE_ID || 'chorus-1',
    logLevel,
    auth: authConfig(env),
    sync: {
      ...optionalNumber(env, 'CHORUS_SYNC_PING_INTERVAL_MS', 'pingIntervalMs', 100),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_MESSAGE_BYTES', 'maxMessageBytes', 1_024),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_CONNECTIONS', 'maxConnections', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_DOCUMENTS', 'maxRooms', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_IDLE_UNLOAD_MS', 'idleUnloadMs', 0),
    },
    writesPerMinute,
    demoCatalog: env.CHORUS_DEMO_CATALOG === undefined ? undefined : !['0', 'false', 'no', 'off'].includes(env.CHORUS_DEMO_CATALOG.toLowerCase()),
  };
}

function authConfig(env: NodeJS.ProcessEnv): Config['auth'] {
  const jwksUrl = url(env, 'CHORUS_JWKS_URL', ['https:', 'http:']);
  if (!jwksUrl) {
    const secret = env.CHORUS_DEV_TOKEN_SECRET;
    if (secret !== undefined && secret.length < 32) throw new ConfigError('CHORUS_DEV_TOKEN_SECRET must be at least 32 characters');
    return { mode: 'dev', secret };
  }
  const issuer = env.CHORUS_JWT_ISSUER;
  const audience = env.CHORUS_JWT_AUDIENCE;
  if (!issuer || !audience) throw new ConfigError('with CHORUS_JWKS_URL, set CHORUS_JWT_ISSUER and CHORUS_JWT_AUDIENCE too');
  return { mode: 'jwks', jwksUrl, issuer, audience };
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

function optionalNumber<K extends string>(env: NodeJS.ProcessEnv, name: string, key: K, min: number): Partial<Record<K, number>> {
  const text = env[name];
  if (text === undefined || text === '') return {};
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`);
  return { [key]: value } as Partial<Record<K, number>>;
}
