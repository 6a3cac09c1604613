/**
 * Accounts and tokens, wired from the configuration: the credentials store (migrated here), this
 * server's signing keys, the verifier that trusts them beside the dev tokens' key and an identity
 * provider's JWKS, and the server key that seals Subsonic app passwords.
 */
import { createRemoteJWKSet } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AccountDeps } from '../application/accounts/context.js';
import { PasswordHasher } from '../application/accounts/passwords.js';
import { SecretBox, serverKey } from '../application/accounts/secret-box.js';
import { SignInLimits } from '../application/accounts/sign-in-limits.js';
import { DEV_ISSUER, DevTokens } from '../application/tokens/dev-tokens.js';
import { AUDIENCE, LOCAL_ISSUER, SigningKeys } from '../application/tokens/signing-keys.js';
import { TokenVerifier, type TrustedIssuer } from '../application/tokens/verifier.js';
import type { Cache } from '../gateways/cache/port.js';
import { SqlCredentialsStore } from '../gateways/credentials/sql-store.js';
import type { EventStore } from '../gateways/event-store/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Config } from './config.js';

export interface AccountsRuntime {
  accounts: AccountDeps;
  verifier: TokenVerifier;
  devTokens: { issue: DevTokens['issue']; enabled: () => Promise<boolean> };
  /** What the start-up log says about tokens. */
  description: string;
}

export async function startAccounts(
  config: Config,
  parts: { store: EventStore; sql: SqlClient; cache: Cache; logger: Logger },
  options: { cli?: boolean } = {},
): Promise<AccountsRuntime> {
  const credentials = new SqlCredentialsStore(parts.sql);
  await credentials.migrate();
  const now = () => new Date();
  const settings = config.accounts;
  const signingKeys = new SigningKeys(credentials, { accessTokenTtlSeconds: settings.accessTokenTtlSeconds, rotationDays: settings.signingKeyRotationDays }, now);
  await signingKeys.start();
  const box = new SecretBox((await credentialsKeys(config, credentials, parts.logger)).map(serverKey));

  const accountsExist = rememberTrue(() => credentials.anyAccount());
  const devMode = config.auth.devTokens;
  const devEnabled = async (fresh = false) => devMode === 'on' || (devMode === 'auto' && !config.auth.jwks && !(await accountsExist(fresh)));
  // The CLI never signs dev tokens: no warning about their secret there.
  const dev = new DevTokens(new TextEncoder().encode(devSecret(config, options.cli ? undefined : parts.logger)));

  const issuers: TrustedIssuer[] = [
    { source: 'local', issuer: LOCAL_ISSUER, audience: AUDIENCE, keys: signingKeys.keySet, algorithms: ['EdDSA'] },
    { source: 'dev', issuer: DEV_ISSUER, audience: AUDIENCE, keys: dev.keySet, algorithms: ['EdDSA'], enabled: () => devEnabled() },
  ];
  if (config.auth.jwks) {
    const { jwksUrl, issuer, audience } = config.auth.jwks;
    const keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
    issuers.push({ source: 'external', issuer, audience, keys, algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] });
  }
  const devState =
    devMode === 'on'
      ? 'dev tokens on (CHORUS_DEV_TOKENS=1)'
      : devMode === 'off'
        ? 'dev tokens off (CHORUS_DEV_TOKENS=0)'
        : config.auth.jwks
          ? 'dev tokens off (CHORUS_JWKS_URL is set; CHORUS_DEV_TOKENS=1 turns them on)'
          : (await accountsExist())
            ? 'dev tokens off (local accounts exist; CHORUS_DEV_TOKENS=1 turns them on)'
            : 'dev tokens on until the first local account signs up';
  return {
    accounts: {
      store: parts.store,
      sql: parts.sql,
      credentials,
      hasher: new PasswordHasher(settings.argon2),
      signingKeys,
      limits: new SignInLimits(parts.cache, settings.signInLimits),
      box,
      settings: { openSignup: settings.openSignup, refreshTokenTtlDays: settings.refreshTokenTtlDays },
      now,
      accountCreated: () => accountsExist.markTrue(),
    },
    verifier: new TokenVerifier(issuers),
    // Issuing asks the store every time: no dev token is minted once an account exists on any node.
    devTokens: { issue: (p) => dev.issue(p), enabled: () => devEnabled(true) },
    description: `local accounts (sign-up ${settings.openSignup ? 'open' : 'for the first account only'}); ${devState}${config.auth.jwks ? `; identity provider ${config.auth.jwks.issuer}` : ''}`,
  };
}

/** True once `check` said so (or `known` was set); until then asked again at most once a second (fresh: always). */
function rememberTrue(check: () => Promise<boolean>): ((fresh?: boolean) => Promise<boolean>) & { markTrue(): void } {
  let known = false;
  let askedAt = 0;
  let pending: Promise<boolean> | undefined;
  const ask = async (fresh = false) => {
    if (known) return true;
    if (!fresh && Date.now() - askedAt < 1_000 && !pending) return false;
    pending ??= check().then(
      (answer) => {
        known = answer;
        askedAt = Date.now();
        pending = undefined;
        return answer;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
  return Object.assign(ask, {
    markTrue() {
      known = true;
    },
  });
}

/** CHORUS_CREDENTIALS_KEY, else a key kept in the data folder (embedded), else one kept in the credentials store. */
async function credentialsKeys(config: Config, credentials: SqlCredentialsStore, logger: Logger): Promise<Buffer[]> {
  if (config.accounts.credentialsKeys.length > 0) return config.accounts.credentialsKeys;
  if (!config.databaseUrl) return [Buffer.from(fileSecret(config, 'credentials-key'), 'base64url')];
  logger.warn('accounts: no CHORUS_CREDENTIALS_KEY; Subsonic app passwords are sealed with a key kept in the database itself (set the variable to keep them apart)');
  return [Buffer.from(await credentials.serverSecret('credentials-key', randomBytes(32).toString('base64url'), new Date().toISOString()), 'base64url')];
}

function devSecret(config: Config, logger: Logger | undefined): string {
  if (config.auth.devSecret) return config.auth.devSecret;
  if (!config.databaseUrl) return fileSecret(config, 'dev-token-secret');
  if (config.auth.devTokens !== 'off') {
    logger?.warn('dev tokens: no CHORUS_DEV_TOKEN_SECRET; using a random secret (tokens die with this process and other nodes reject them)');
  }
  return randomBytes(32).toString('base64url');
}

/** 32 random bytes kept in a file of the data folder (mode 600), made on first use. */
function fileSecret(config: Config, name: string): string {
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, name);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // not made yet
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
