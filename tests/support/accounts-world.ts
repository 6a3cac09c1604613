/**
 * The account use cases on a real store, for tests that call application/accounts directly (the
 * Subsonic edge's tests too): PGlite in memory (or a Postgres database), the Postgres event store
 * on it, the credentials store migrated, signing keys, and an in-process cache for sign-in limits.
 */
import { randomBytes } from 'node:crypto';
import type { AccountDeps } from '../../application/accounts/context.js';
import { DEFAULT_ARGON2, PasswordHasher, type Argon2Parameters } from '../../application/accounts/passwords.js';
import { SecretBox, serverKey } from '../../application/accounts/secret-box.js';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimits, type SignInLimitSettings } from '../../application/accounts/sign-in-limits.js';
import { SigningKeys } from '../../application/tokens/signing-keys.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import { SqlCredentialsStore } from '../../gateways/credentials/sql-store.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { createPgliteClient } from '../../gateways/sql/pglite.js';

export interface AccountsWorld {
  deps: AccountDeps;
  close(): Promise<void>;
}

export async function openAccountsWorld(options: { argon2?: Argon2Parameters; limits?: Partial<SignInLimitSettings>; openSignup?: boolean } = {}): Promise<AccountsWorld> {
  const sql = await createPgliteClient();
  const store = await PostgresEventStore.open(sql);
  const credentials = new SqlCredentialsStore(sql);
  await credentials.migrate();
  const signingKeys = new SigningKeys(credentials, { accessTokenTtlSeconds: 900, rotationDays: 30 });
  await signingKeys.start();
  const cache = new MemoryCache();
  const deps: AccountDeps = {
    store,
    sql,
    credentials,
    hasher: new PasswordHasher(options.argon2 ?? DEFAULT_ARGON2),
    signingKeys,
    limits: new SignInLimits(cache, { ...DEFAULT_SIGN_IN_LIMITS, ...options.limits }),
    box: new SecretBox([serverKey(randomBytes(32))]),
    settings: { openSignup: options.openSignup ?? false, refreshTokenTtlDays: 30 },
    now: () => new Date(),
  };
  return {
    deps,
    async close() {
      await store.close();
      await cache.close();
      await sql.close();
    },
  };
}

/** argon2id at 1 MiB, one pass: for tests about the code path, not the cost. */
export const FAST_ARGON2: Argon2Parameters = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
