/**
 * Configuration from the environment. With nothing set, Chorus runs embedded: PGlite under
 * ./.chorus, no external services. Each *_URL switches one part to a real server.
 */
import { join, resolve } from 'node:path';

export interface Config {
  /** The address to bind: 127.0.0.1 by default while dev tokens are on (anyone who reaches them is anyone). */
  host: string;
  port: number;
  /** Embedded data (PGlite) lives here. */
  dataDir: string;
  /** PostgreSQL for events (unless ESDB_URL is set) and read models. */
  databaseUrl: string | undefined;
  /** Connections of the PostgreSQL pool (CHORUS_PG_POOL_SIZE, default 20). */
  pgPoolSize: number;
  /** Prepare the statements used often on the server (CHORUS_PG_PREPARE, default on; off behind a pooler that cannot keep them). */
  pgPrepare: boolean;
  /** EventStoreDB for events. */
  esdbUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every Redis key (several deployments, or test runs, on one Redis). */
  redisKeyPrefix: string;
  kafkaBrokers: string[] | undefined;
  nodeId: string;
  logLevel: string;
  auth: {
    /** An identity provider's tokens (CHORUS_JWKS_URL). */
    jwks: { jwksUrl: string; issuer: string; audience: string } | undefined;
    /** CHORUS_DEV_TOKEN_SECRET (else one kept in the data folder, or a random one). */
    devSecret: string | undefined;
    /** CHORUS_DEV_TOKENS: on, off, or auto (on until local accounts exist, off with JWKS). */
    devTokens: 'on' | 'off' | 'auto';
  };
  accounts: AccountsConfig;
  /** Trust X-Forwarded-For from a proxy in front (CHORUS_TRUST_PROXY): sign-in limits per client address. */
  trustProxy: boolean;
  /** Writes per user per minute before 429. */
  writesPerMinute: number;
  /** Playlists a user may own (CHORUS_MAX_PLAYLISTS_PER_USER). */
  maxPlaylistsPerUser: number;
  /** Limits of the WebSocket sync server (CHORUS_SYNC_*). */
  sync: {
    pingIntervalMs?: number;
    maxMessageBytes?: number;
    maxConnections?: number;
    maxRooms?: number;
    idleUnloadMs?: number;
    maxUnstoredBytes?: number;
    maxUnstoredEdits?: number;
    storeIntervalMs?: number;
    maxDocumentBytes?: number;
    maxPendingBytes?: number;
    closeTimeoutMs?: number;
  };
  /** The longest a graceful shutdown may take (CHORUS_SHUTDOWN_TIMEOUT_MS); then the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Import the demo catalog when the store has none (default: in embedded mode only). */
  demoCatalog: boolean | undefined;
  /** Serve the browser client at `/` (CHORUS_WEB, default on), building it first when stale. */
  web: boolean;
  /**
   * Where projections run (CHORUS_PROJECTIONS): `main`, the main thread (the default), or
   * `thread`, a thread of their own with its own connections (PostgreSQL with Redis only: the
   * embedded database and the in-process cache belong to the main thread).
   */
  projections: 'thread' | 'main';
  media: MediaConfig;
}

export interface MediaConfig {
  /** The media store's folder (CHORUS_MEDIA_DIR, default `<data dir>/media`). */
  dir: string;
  /** CHORUS_MEDIA_KEYS: `kid:base64secret,...`, the first signs; unset: a key kept in the data folder. */
  keys: string | undefined;
  /** How long a signed media URL is valid (CHORUS_MEDIA_URL_TTL_SECONDS, default 6 hours). */
  urlTtlSeconds: number;
}

export interface AccountsConfig {
  /** CHORUS_OPEN_SIGNUP: anyone may sign up, not only the first account. */
  openSignup: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  signingKeyRotationDays: number;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  signInLimits: { failuresPerAccount: number; attemptsPerAddress: number; windowSeconds: number };
  /** CHORUS_CREDENTIALS_KEY: base64 32-byte keys, comma-separated, the first one seals (Subsonic app passwords). */
  credentialsKeys: Buffer[];
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
  const shutdownTimeoutMs = optionalNumber(env, 'CHORUS_SHUTDOWN_TIMEOUT_MS', 'ms', 1_000).ms ?? 20_000;
  const auth = authConfig(env);
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  return {
    // Dev tokens may be on (CHORUS_DEV_TOKENS on, or auto without an identity provider): whoever
    // reaches the port could be anyone, so only this machine reaches it unless HOST says otherwise.
    host: env.HOST || (auth.devTokens === 'on' || (auth.devTokens === 'auto' && !auth.jwks) ? '127.0.0.1' : '0.0.0.0'),
    port,
    dataDir: resolve(env.CHORUS_DATA_DIR || '.chorus'),
    databaseUrl,
    pgPoolSize: optionalNumber(env, 'CHORUS_PG_POOL_SIZE', 'size', 2).size ?? 20,
    pgPrepare: flag(env, 'CHORUS_PG_PREPARE') ?? true,
    esdbUrl: url(env, 'ESDB_URL', ['kurrentdb:', 'kurrentdb+discover:', 'kurrent:', 'kurrent+discover:', 'kdb:', 'kdb+discover:', 'esdb:', 'esdb+discover:']),
    redisUrl,
    redisKeyPrefix: env.CHORUS_REDIS_KEY_PREFIX ?? '',
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) : undefined,
    nodeId: env.CHORUS_NODE_ID || 'chorus-1',
    logLevel,
    auth,
    accounts: accountsConfig(env),
    trustProxy: flag(env, 'CHORUS_TRUST_PROXY') ?? false,
    sync: {
      ...optionalNumber(env, 'CHORUS_SYNC_PING_INTERVAL_MS', 'pingIntervalMs', 100),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_MESSAGE_BYTES', 'maxMessageBytes', 1_024),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_CONNECTIONS', 'maxConnections', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_DOCUMENTS', 'maxRooms', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_IDLE_UNLOAD_MS', 'idleUnloadMs', 0),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_UNSTORED_BYTES', 'maxUnstoredBytes', 1_024 * 1_024),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_UNSTORED_EDITS', 'maxUnstoredEdits', 10),
      ...optionalNumber(env, 'CHORUS_SYNC_STORE_INTERVAL_MS', 'storeIntervalMs', 0),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_DOCUMENT_BYTES', 'maxDocumentBytes', 64 * 1_024),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_PENDING_BYTES', 'maxPendingBytes', 1_024),
      ...optionalNumber(env, 'CHORUS_SYNC_EDITS_PER_SECOND', 'editsPerSecond', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_EDIT_BURST', 'editBurst', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_CONNECTIONS_PER_USER', 'maxConnectionsPerUser', 1),
      ...optionalNumber(env, 'CHORUS_SYNC_MAX_AWARENESS_PER_CONNECTION', 'maxAwarenessPerConnection', 1),
      // The sync server gives up on the store halfway through the shutdown's time.
      closeTimeoutMs: Math.floor(shutdownTimeoutMs / 2),
    },
    shutdownTimeoutMs,
    writesPerMinute,
    maxPlaylistsPerUser: optionalNumber(env, 'CHORUS_MAX_PLAYLISTS_PER_USER', 'max', 1).max ?? 1_000,
    demoCatalog: env.CHORUS_DEMO_CATALOG === undefined ? undefined : !['0', 'false', 'no', 'off'].includes(env.CHORUS_DEMO_CATALOG.toLowerCase()),
    web: flag(env, 'CHORUS_WEB') ?? true,
    projections: projectionsPlace(env, databaseUrl !== undefined && redisUrl !== undefined),
    media: {
      dir: resolve(env.CHORUS_MEDIA_DIR || join(env.CHORUS_DATA_DIR || '.chorus', 'media')),
      keys: env.CHORUS_MEDIA_KEYS?.trim() || undefined,
      urlTtlSeconds: optionalNumber(env, 'CHORUS_MEDIA_URL_TTL_SECONDS', 'ttl', 60).ttl ?? 6 * 60 * 60,
    },
  };
}

function projectionsPlace(env: NodeJS.ProcessEnv, threadPossible: boolean): Config['projections'] {
  const asked = env.CHORUS_PROJECTIONS?.trim() || undefined;
  if (asked === undefined) return 'main';
  if (asked !== 'thread' && asked !== 'main') throw new ConfigError(`CHORUS_PROJECTIONS must be thread or main, got ${JSON.stringify(asked)}`);
  if (asked === 'thread' && !threadPossible) {
    throw new ConfigError('CHORUS_PROJECTIONS=thread needs DATABASE_URL and REDIS_URL (the embedded database and the in-process cache belong to the main thread)');
  }
  return asked;
}

function authConfig(env: NodeJS.ProcessEnv): Config['auth'] {
  const devSecret = env.CHORUS_DEV_TOKEN_SECRET || undefined;
  if (devSecret !== undefined && devSecret.length < 32) throw new ConfigError('CHORUS_DEV_TOKEN_SECRET must be at least 32 characters');
  const devFlag = flag(env, 'CHORUS_DEV_TOKENS');
  const devTokens = devFlag === undefined ? 'auto' : devFlag ? 'on' : 'off';
  const jwksUrl = url(env, 'CHORUS_JWKS_URL', ['https:', 'http:']);
  if (!jwksUrl) return { jwks: undefined, devSecret, devTokens };
  const issuer = env.CHORUS_JWT_ISSUER;
  const audience = env.CHORUS_JWT_AUDIENCE;
  if (!issuer || !audience) throw new ConfigError('with CHORUS_JWKS_URL, set CHORUS_JWT_ISSUER and CHORUS_JWT_AUDIENCE too');
  if (issuer === 'chorus' || issuer === 'chorus-dev') throw new ConfigError('CHORUS_JWT_ISSUER must not be "chorus" or "chorus-dev" (this server\'s own issuers)');
  return { jwks: { jwksUrl, issuer, audience }, devSecret, devTokens };
}

function accountsConfig(env: NodeJS.ProcessEnv): AccountsConfig {
  const number = (name: string, fallback: number, min: number) => optionalNumber(env, name, 'v', min).v ?? fallback;
  const keys = (env.CHORUS_CREDENTIALS_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => {
      const key = Buffer.from(k, 'base64');
      if (key.length !== 32) throw new ConfigError('CHORUS_CREDENTIALS_KEY must be base64 of 32 bytes (e.g. `openssl rand -base64 32`), comma-separated for rotation');
      return key;
    });
  return {
    openSignup: flag(env, 'CHORUS_OPEN_SIGNUP') ?? false,
    accessTokenTtlSeconds: number('CHORUS_ACCESS_TOKEN_TTL_SECONDS', 900, 30),
    refreshTokenTtlDays: number('CHORUS_REFRESH_TOKEN_TTL_DAYS', 30, 1),
    signingKeyRotationDays: number('CHORUS_SIGNING_KEY_ROTATION_DAYS', 30, 1),
    argon2: {
      memoryCost: number('CHORUS_ARGON2_MEMORY_KIB', 65_536, 1_024),
      timeCost: number('CHORUS_ARGON2_TIME_COST', 3, 1),
      parallelism: number('CHORUS_ARGON2_PARALLELISM', 1, 1),
    },
    signInLimits: {
      failuresPerAccount: number('CHORUS_SIGNIN_FAILURES_PER_ACCOUNT', 10, 1),
      attemptsPerAddress: number('CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS', 30, 1),
      windowSeconds: number('CHORUS_SIGNIN_WINDOW_SECONDS', 900, 1),
    },
    credentialsKeys: keys,
  };
}

/** 1/true/yes/on or 0/false/no/off; undefined when unset. */
function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got ${JSON.stringify(env[name])}`);
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
