/** The credentials store on SQL (PostgreSQL or PGlite through the SqlClient port). */
import { timingSafeEqual } from 'node:crypto';
import type { SqlClient, SqlExecutor } from '../sql/port.js';
import { UNIQUE_VIOLATION, SqlError } from '../sql/port.js';
import type {
  Account,
  ApiKeyRecord,
  CreateAccountOutcome,
  CredentialsStore,
  NewAccount,
  NewRefreshToken,
  RotateOutcome,
  SealedSecret,
  SubsonicSignIn,
  StoredSigningKey,
} from './port.js';
import { CREDENTIALS_SCHEMA } from './schema.js';

const SCHEMA_LOCK = 'chorus:credentials:schema';

interface AccountRow {
  user_id: string;
  username: string;
  password_hash: string;
  display_name: string;
  initial_role: 'user' | 'admin';
  created_at: Date | string;
  password_changed_at: Date | string;
}

const ACCOUNT_COLUMNS = 'user_id, username, password_hash, display_name, initial_role, created_at, password_changed_at';
const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
/** Usernames are unique ignoring case (and compared so at sign-in). */
export const usernameKey = (username: string) => username.toLowerCase();

function toAccount(row: AccountRow): Account {
  return {
    userId: row.user_id,
    username: row.username,
    passwordHash: row.password_hash,
    displayName: row.display_name,
    initialRole: row.initial_role,
    createdAt: iso(row.created_at),
    passwordChangedAt: iso(row.password_changed_at),
  };
}

/** Hex digests compared in constant time. */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export class SqlCredentialsStore implements CredentialsStore {
  constructor(private readonly sql: SqlClient) {}

  async migrate(): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [SCHEMA_LOCK]);
      await tx.exec(CREDENTIALS_SCHEMA);
    });
  }

  async createAccount(account: NewAccount, options: { first?: boolean } = {}): Promise<CreateAccountOutcome> {
    try {
      return await this.sql.transaction(async (tx) => {
        if (options.first) {
          const claimed = await tx.query(`insert into cred_first_account (id, user_id) values (1, $1) on conflict (id) do nothing returning user_id`, [account.userId]);
          if (claimed.length === 0) return 'not-first';
        } else {
          await tx.query(`insert into cred_first_account (id, user_id) values (1, $1) on conflict (id) do nothing`, [account.userId]);
        }
        const inserted = await tx.query(
          `insert into cred_accounts (user_id, username, username_key, password_hash, display_name, initial_role, created_at, password_changed_at)
           values ($1, $2, $3, $4, $5, $6, $7, $7) on conflict (username_key) do nothing returning user_id`,
          [account.userId, account.username, usernameKey(account.username), account.passwordHash, account.displayName, account.initialRole, account.createdAt],
        );
        if (inserted.length === 0) throw new UsernameTaken();
        return 'created' as const;
      });
    } catch (error) {
      if (error instanceof UsernameTaken) return 'username-taken';
      if (error instanceof SqlError && error.sqlState === UNIQUE_VIOLATION) return 'username-taken';
      throw error;
    }
  }

  async accountByUsername(username: string): Promise<Account | undefined> {
    const [row] = await this.sql.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from cred_accounts where username_key = $1`, [usernameKey(username)]);
    return row && toAccount(row);
  }

  async accountByUserId(userId: string): Promise<Account | undefined> {
    const [row] = await this.sql.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from cred_accounts where user_id = $1`, [userId]);
    return row && toAccount(row);
  }

  async anyAccount(): Promise<boolean> {
    const rows = await this.sql.query(`select 1 from cred_first_account limit 1`);
    return rows.length > 0;
  }

  async listAccounts(): Promise<Account[]> {
    const rows = await this.sql.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from cred_accounts order by created_at, user_id`);
    return rows.map(toAccount);
  }

  async setPasswordHash(userId: string, passwordHash: string, at: string, options: { revokeSessions: boolean }): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const updated = await tx.query(`update cred_accounts set password_hash = $2, password_changed_at = $3 where user_id = $1 returning user_id`, [userId, passwordHash, at]);
      if (updated.length === 0) return false;
      if (options.revokeSessions) await revokeAllOf(tx, userId, at);
      return true;
    });
  }

  async deleteCredentials(userId: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(`delete from cred_refresh_tokens where user_id = $1`, [userId]);
      await tx.query(`delete from cred_subsonic_passwords where user_id = $1`, [userId]);
      await tx.query(`delete from cred_api_keys where user_id = $1`, [userId]);
      await tx.query(`delete from cred_accounts where user_id = $1`, [userId]);
    });
  }

  async insertRefreshToken(token: NewRefreshToken): Promise<void> {
    await insertToken(this.sql, token);
  }

  async rotateRefreshToken(tokenId: string, secretHash: string, now: string, next: (familyId: string, userId: string) => NewRefreshToken): Promise<RotateOutcome> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<{ family_id: string; user_id: string; secret_hash: string; expires_at: Date | string; rotated_at: unknown; revoked_at: unknown }>(
        `select family_id, user_id, secret_hash, expires_at, rotated_at, revoked_at from cred_refresh_tokens where token_id = $1 for update`,
        [tokenId],
      );
      // An unknown id or a wrong secret is not a token we issued: nothing to revoke.
      if (!row || !sameHash(row.secret_hash, secretHash)) return { outcome: 'invalid' };
      if (row.revoked_at !== null) return { outcome: 'invalid' };
      if (row.rotated_at !== null) {
        await tx.query(`update cred_refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [row.family_id, now]);
        return { outcome: 'reused', userId: row.user_id };
      }
      if (new Date(row.expires_at).getTime() <= Date.parse(now)) return { outcome: 'invalid' };
      await tx.query(`update cred_refresh_tokens set rotated_at = $2 where token_id = $1`, [tokenId, now]);
      await insertToken(tx, next(row.family_id, row.user_id));
      return { outcome: 'rotated', userId: row.user_id, familyId: row.family_id };
    });
  }

  async revokeRefreshFamily(tokenId: string, secretHash: string, now: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<{ family_id: string; secret_hash: string }>(`select family_id, secret_hash from cred_refresh_tokens where token_id = $1`, [tokenId]);
      if (!row || !sameHash(row.secret_hash, secretHash)) return false;
      await tx.query(`update cred_refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [row.family_id, now]);
      return true;
    });
  }

  async revokeRefreshTokensOf(userId: string, now: string): Promise<void> {
    await revokeAllOf(this.sql, userId, now);
  }

  async setSubsonicPassword(userId: string, secret: SealedSecret, at: string): Promise<void> {
    await this.sql.query(
      `insert into cred_subsonic_passwords (user_id, key_id, sealed, updated_at) values ($1, $2, $3, $4)
       on conflict (user_id) do update set key_id = excluded.key_id, sealed = excluded.sealed, updated_at = excluded.updated_at`,
      [userId, secret.keyId, secret.sealed, at],
    );
  }

  async subsonicPassword(userId: string): Promise<SealedSecret | undefined> {
    const [row] = await this.sql.query<{ key_id: string; sealed: string }>(`select key_id, sealed from cred_subsonic_passwords where user_id = $1`, [userId]);
    return row && { keyId: row.key_id, sealed: row.sealed };
  }

  async subsonicSignIn(username: string | undefined, userId: string | undefined): Promise<SubsonicSignIn | undefined> {
    if (username === undefined && userId === undefined) return undefined;
    const [row] = await this.sql.query<{ user_id: string; username: string; key_id: string | null; sealed: string | null }>(
      `select found.user_id, found.username, found.key_id, found.sealed from (
         select 0 as rank, a.user_id, a.username, p.key_id, p.sealed
           from cred_accounts a left join cred_subsonic_passwords p on p.user_id = a.user_id
          where a.username_key = $1
         union all
         select 1 as rank, p.user_id, p.user_id as username, p.key_id, p.sealed
           from cred_subsonic_passwords p
          where p.user_id = $2
       ) found order by found.rank limit 1`,
      [username === undefined ? null : usernameKey(username), userId ?? null],
    );
    if (!row) return undefined;
    return { userId: row.user_id, username: row.username, password: row.key_id !== null && row.sealed !== null ? { keyId: row.key_id, sealed: row.sealed } : undefined };
  }

  async deleteSubsonicPassword(userId: string): Promise<boolean> {
    return (await this.sql.query(`delete from cred_subsonic_passwords where user_id = $1 returning user_id`, [userId])).length > 0;
  }

  async createApiKey(key: Omit<ApiKeyRecord, 'lastUsedAt'> & { secretHash: string }): Promise<void> {
    await this.sql.query(`insert into cred_api_keys (key_id, user_id, name, secret_hash, created_at) values ($1, $2, $3, $4, $5)`, [
      key.keyId,
      key.userId,
      key.name,
      key.secretHash,
      key.createdAt,
    ]);
  }

  async apiKeysOf(userId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.sql.query<ApiKeyRow>(`select ${API_KEY_COLUMNS} from cred_api_keys where user_id = $1 order by created_at, key_id`, [userId]);
    return rows.map(toApiKey);
  }

  async useApiKey(keyId: string, secretHash: string, at: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.sql.query<ApiKeyRow & { secret_hash: string }>(`select ${API_KEY_COLUMNS}, secret_hash from cred_api_keys where key_id = $1`, [keyId]);
    if (!row || !sameHash(row.secret_hash, secretHash)) return undefined;
    await this.sql.query(`update cred_api_keys set last_used_at = $2 where key_id = $1`, [keyId, at]);
    return { ...toApiKey(row), lastUsedAt: at };
  }

  async revokeApiKey(userId: string, keyId: string): Promise<boolean> {
    return (await this.sql.query(`delete from cred_api_keys where user_id = $1 and key_id = $2 returning key_id`, [userId, keyId])).length > 0;
  }

  async signingKeys(): Promise<StoredSigningKey[]> {
    const rows = await this.sql.query<{ kid: string; alg: string; private_jwk: string; public_jwk: string; created_at: Date | string }>(
      `select kid, alg, private_jwk, public_jwk, created_at from cred_signing_keys order by created_at desc, kid`,
    );
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, privateJwk: r.private_jwk, publicJwk: r.public_jwk, createdAt: iso(r.created_at) }));
  }

  async addSigningKey(key: StoredSigningKey): Promise<void> {
    await this.sql.query(`insert into cred_signing_keys (kid, alg, private_jwk, public_jwk, created_at) values ($1, $2, $3, $4, $5) on conflict (kid) do nothing`, [
      key.kid,
      key.alg,
      key.privateJwk,
      key.publicJwk,
      key.createdAt,
    ]);
  }

  async deleteSigningKeysCreatedBefore(time: string): Promise<number> {
    return (await this.sql.query(`delete from cred_signing_keys where created_at < $1 returning kid`, [time])).length;
  }

  async serverSecret(name: string, candidate: string, at: string): Promise<string> {
    await this.sql.query(`insert into cred_server_secrets (name, value, created_at) values ($1, $2, $3) on conflict (name) do nothing`, [name, candidate, at]);
    const [row] = await this.sql.query<{ value: string }>(`select value from cred_server_secrets where name = $1`, [name]);
    return row!.value;
  }
}

class UsernameTaken extends Error {}

interface ApiKeyRow {
  key_id: string;
  user_id: string;
  name: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}
const API_KEY_COLUMNS = 'key_id, user_id, name, created_at, last_used_at';
function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return { keyId: row.key_id, userId: row.user_id, name: row.name, createdAt: iso(row.created_at), lastUsedAt: row.last_used_at === null ? null : iso(row.last_used_at) };
}

async function insertToken(sql: SqlExecutor, token: NewRefreshToken): Promise<void> {
  // The user's tokens that have expired go when a new one comes (a reuse after expiry is refused anyway).
  await sql.query(`delete from cred_refresh_tokens where user_id = $1 and expires_at < $2`, [token.userId, token.createdAt]);
  await sql.query(
    `insert into cred_refresh_tokens (token_id, family_id, user_id, secret_hash, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)`,
    [token.tokenId, token.familyId, token.userId, token.secretHash, token.createdAt, token.expiresAt],
  );
}

async function revokeAllOf(sql: SqlExecutor, userId: string, now: string): Promise<void> {
  await sql.query(`update cred_refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null`, [userId, now]);
}
