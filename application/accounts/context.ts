/** What the account use cases work with: the event store, the credentials store, hashing, keys, limits. */
import type { EventStore } from '../../gateways/event-store/port.js';
import type { CredentialsStore } from '../../gateways/credentials/port.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import type { SigningKeys } from '../tokens/signing-keys.js';
import type { PasswordHasher } from './passwords.js';
import type { SecretBox } from './secret-box.js';
import type { SignInLimits } from './sign-in-limits.js';

export interface AccountSettings {
  /** Anyone may sign up (CHORUS_OPEN_SIGNUP); otherwise only the first account does. */
  openSignup: boolean;
  refreshTokenTtlDays: number;
}

export interface AccountDeps {
  store: EventStore;
  /** The read models (display names for tokens). */
  sql: SqlExecutor;
  credentials: CredentialsStore;
  hasher: PasswordHasher;
  signingKeys: SigningKeys;
  limits: SignInLimits;
  /** Seals Subsonic app passwords. */
  box: SecretBox;
  settings: AccountSettings;
  now: () => Date;
  /** Told when this process stored an account (dev tokens turn off at once). */
  accountCreated?: () => void;
}

export interface Meta {
  /** Who asks (the user, an admin, or `chorus-cli`). */
  actorId: string;
  correlationId?: string;
}
