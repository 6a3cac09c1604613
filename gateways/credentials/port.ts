/**
 * The credentials store: what proves who someone is — password hashes, refresh tokens, Subsonic
 * app passwords (sealed), API key hashes, token signing keys and server secrets. It is a store of
 * its own, never the event store: nothing here is ever an event, on Kafka or in an export.
 * Implemented once in SQL over the SqlClient port (PostgreSQL and PGlite).
 */

export interface Account {
  userId: string;
  /** As the person typed it at sign-up; unique ignoring case. */
  username: string;
  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): the parameters travel with each hash. */
  passwordHash: string;
  /** What the account registers with (replayed if its UserRegistered was not stored yet). */
  displayName: string;
  initialRole: 'user' | 'admin';
  createdAt: string;
  passwordChangedAt: string;
}

export type NewAccount = Omit<Account, 'passwordChangedAt'>;

export type CreateAccountOutcome = 'created' | 'username-taken' | 'not-first';

export interface NewRefreshToken {
  tokenId: string;
  familyId: string;
  userId: string;
  /** SHA-256 of the token's secret part (hex); the token itself is never stored. */
  secretHash: string;
  createdAt: string;
  expiresAt: string;
}

export type RotateOutcome =
  | { outcome: 'rotated'; userId: string; familyId: string }
  /** A token that was rotated already came back: its whole family is now revoked. */
  | { outcome: 'reused'; userId: string }
  | { outcome: 'invalid' };

/** A Subsonic app password encrypted with AES-256-GCM under the server key `keyId`. */
export interface SealedSecret {
  keyId: string;
  /** base64url of iv (12 bytes) + ciphertext + tag (16 bytes). */
  sealed: string;
}

export interface SubsonicSignIn {
  userId: string;
  /** The account's username, or the user id for a user without a local account. */
  username: string;
  /** Undefined when the user has no app password. */
  password: SealedSecret | undefined;
}

export interface ApiKeyRecord {
  keyId: string;
  userId: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface StoredSigningKey {
  kid: string;
  alg: string;
  /** JWK JSON. */
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
}

export interface CredentialsStore {
  /** Creates the tables if needed (at start). */
  migrate(): Promise<void>;

  // ---- accounts and passwords
  /**
   * Stores a new account. `first`: only if no account was ever created (the sign-up of an empty
   * server; two racing sign-ups cannot both be first).
   */
  createAccount(account: NewAccount, options?: { first?: boolean }): Promise<CreateAccountOutcome>;
  accountByUsername(username: string): Promise<Account | undefined>;
  accountByUserId(userId: string): Promise<Account | undefined>;
  /** True once any account was ever created. */
  anyAccount(): Promise<boolean>;
  listAccounts(): Promise<Account[]>;
  /** Replaces the hash; `revokeSessions` also revokes every refresh token of the user. False: no such account. */
  setPasswordHash(userId: string, passwordHash: string, at: string, options: { revokeSessions: boolean }): Promise<boolean>;
  /** Deletes the account and every credential of the user (refresh tokens, app password, API keys). */
  deleteCredentials(userId: string): Promise<void>;

  // ---- refresh tokens
  insertRefreshToken(token: NewRefreshToken): Promise<void>;
  /**
   * Spends token `tokenId` (whose secret hashes to `secretHash`) and stores `next` in its family,
   * in one transaction. A token already spent revokes its family.
   */
  rotateRefreshToken(tokenId: string, secretHash: string, now: string, next: (familyId: string, userId: string) => NewRefreshToken): Promise<RotateOutcome>;
  /** Revokes the family of this token (logout); false when the token is unknown. */
  revokeRefreshFamily(tokenId: string, secretHash: string, now: string): Promise<boolean>;
  revokeRefreshTokensOf(userId: string, now: string): Promise<void>;

  // ---- Subsonic app passwords
  setSubsonicPassword(userId: string, secret: SealedSecret, at: string): Promise<void>;
  subsonicPassword(userId: string): Promise<SealedSecret | undefined>;
  /**
   * Who signs in to a Subsonic app as `username` (a local account's, any case) or, when no
   * account has that name, as `userId` (a user with an app password), with the app password, in
   * one round trip (apps sign every call). Either may be undefined when the name cannot be one.
   */
  subsonicSignIn(username: string | undefined, userId: string | undefined): Promise<SubsonicSignIn | undefined>;
  deleteSubsonicPassword(userId: string): Promise<boolean>;

  // ---- API keys (the apiKeyAuthentication extension of OpenSubsonic)
  createApiKey(key: Omit<ApiKeyRecord, 'lastUsedAt'> & { secretHash: string }): Promise<void>;
  apiKeysOf(userId: string): Promise<ApiKeyRecord[]>;
  /** The key whose secret hashes to `secretHash`, marking it used. */
  useApiKey(keyId: string, secretHash: string, at: string): Promise<ApiKeyRecord | undefined>;
  revokeApiKey(userId: string, keyId: string): Promise<boolean>;

  // ---- token signing keys and server secrets
  signingKeys(): Promise<StoredSigningKey[]>;
  addSigningKey(key: StoredSigningKey): Promise<void>;
  deleteSigningKeysCreatedBefore(time: string): Promise<number>;
  /** The secret named `name`, storing `candidate` first if there is none (whoever stores first wins). */
  serverSecret(name: string, candidate: string, at: string): Promise<string>;
}
