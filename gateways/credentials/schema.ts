/** Tables of the credentials store (prefix `cred_`), created at start; none is a projection. */
export const CREDENTIALS_SCHEMA = /* sql */ `
create table if not exists cred_accounts (
  user_id text primary key,
  username text not null,
  username_key text not null unique,
  password_hash text not null,
  display_name text not null,
  initial_role text not null,
  created_at timestamptz not null,
  password_changed_at timestamptz not null
);
create table if not exists cred_first_account (
  id int primary key check (id = 1),
  user_id text not null
);
create table if not exists cred_refresh_tokens (
  token_id text primary key,
  family_id text not null,
  user_id text not null,
  secret_hash text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  rotated_at timestamptz,
  revoked_at timestamptz
);
create index if not exists cred_refresh_tokens_family on cred_refresh_tokens (family_id);
create index if not exists cred_refresh_tokens_user on cred_refresh_tokens (user_id);
create table if not exists cred_subsonic_passwords (
  user_id text primary key,
  key_id text not null,
  sealed text not null,
  updated_at timestamptz not null
);
create table if not exists cred_api_keys (
  key_id text primary key,
  user_id text not null,
  name text not null,
  secret_hash text not null,
  created_at timestamptz not null,
  last_used_at timestamptz
);
create index if not exists cred_api_keys_user on cred_api_keys (user_id);
create table if not exists cred_signing_keys (
  kid text primary key,
  alg text not null,
  private_jwk text not null,
  public_jwk text not null,
  created_at timestamptz not null
);
create table if not exists cred_server_secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null
);
`;
