/**
 * Credentials are never events: after a run that signs up, signs in, refreshes, changes and sets
 * passwords, fails sign-ins, sets a Subsonic app password and makes an API key, no password, hash,
 * refresh or access token, sealed value or API key appears in any stored event (data, metadata,
 * type, stream), in any Kafka message the relay published, in `chorus events`, or in the logs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createPgClient } from '../../../gateways/sql/pg.js';
import { runChorusCli } from '../../support/cli.js';
import { startChorusProcess, type ChorusProcess } from '../../support/process.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { harnessBrokers, readTopics, uniquePrefix, until } from './support.js';

let chorus: ChorusProcess | undefined;
let db: TestDatabase | undefined;
afterAll(async () => {
  await chorus?.stop('SIGKILL');
  await db?.drop();
});

interface Pair {
  accessToken: string;
  refreshToken: string;
  userId: string;
}

describe('secrets never leave the credentials store', () => {
  it('no secret of a run is in the events, on Kafka, in `chorus events` or in the logs', async () => {
    db = await createTestDatabase('no_secrets');
    const prefix = uniquePrefix('secrets');
    chorus = await startChorusProcess({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: harnessBrokers(),
      CHORUS_KAFKA_TOPIC_PREFIX: prefix,
      CHORUS_KAFKA_PARTITIONS: '1',
      CHORUS_DEMO_CATALOG: 'false',
      CHORUS_ARGON2_MEMORY_KIB: '1024',
      CHORUS_ARGON2_TIME_COST: '1',
      LOG_LEVEL: 'debug',
    });
    const url = chorus.url;
    const call = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    };

    const secrets: string[] = [];
    const keep = (...values: string[]) => secrets.push(...values);
    const adminPassword = 'Admin-Secret-Password-4711';
    const wrongPassword = 'Wrong-Guess-Password-0815';
    const bobPassword = 'Bob-Secret-Password-1234';
    const bobNewPassword = 'Bob-New-Secret-Password-5678';
    const bobAdminSetPassword = 'Bob-Admin-Set-Password-9012';
    const appPassword = 'Bob-Subsonic-App-Password-3456';
    keep(adminPassword, wrongPassword, bobPassword, bobNewPassword, bobAdminSetPassword, appPassword);

    expect((await call('POST', '/v1/auth/signup', { username: 'admin', password: adminPassword, displayName: 'Admin' })).status).toBe(201);
    const admin = await call<Pair>('POST', '/v1/auth/login', { username: 'admin', password: adminPassword });
    expect(admin.status).toBe(200);
    keep(admin.body.accessToken, admin.body.refreshToken);
    expect((await call('POST', '/v1/auth/login', { username: 'admin', password: wrongPassword })).status).toBe(401);
    const created = await call<{ userId: string }>('POST', '/v1/admin/users', { username: 'bob', password: bobPassword, displayName: 'Bob', plan: 'premium', country: 'NO' }, admin.body.accessToken);
    expect(created.status).toBe(201);
    const bob = await call<Pair>('POST', '/v1/auth/login', { username: 'bob', password: bobPassword });
    keep(bob.body.accessToken, bob.body.refreshToken);
    const refreshed = await call<Pair>('POST', '/v1/auth/refresh', { refreshToken: bob.body.refreshToken });
    expect(refreshed.status).toBe(200);
    keep(refreshed.body.accessToken, refreshed.body.refreshToken);
    const changed = await call<Pair>('PUT', '/v1/me/password', { currentPassword: bobPassword, newPassword: bobNewPassword }, refreshed.body.accessToken);
    expect(changed.status).toBe(200);
    keep(changed.body.accessToken, changed.body.refreshToken);
    expect((await call('PUT', '/v1/me/subsonic-password', { password: appPassword }, changed.body.accessToken)).status).toBe(204);
    const key = await call<{ apiKey: string }>('POST', '/v1/me/api-keys', { name: 'car' }, changed.body.accessToken);
    expect(key.status).toBe(201);
    keep(key.body.apiKey);
    expect((await call('PUT', `/v1/admin/users/${created.body.userId}/password`, { password: bobAdminSetPassword }, admin.body.accessToken)).status).toBe(204);
    const last = await call<{ position: string }>('PATCH', `/v1/admin/users/${created.body.userId}`, { plan: 'free', displayName: 'Bob B.' }, admin.body.accessToken);
    expect(last.status).toBe(200);

    // What the credentials store holds is secret too: hashes, token hashes, sealed values, keys.
    const sql = createPgClient({ connectionString: db.url, applicationName: 'no-secrets-reader', max: 2 });
    try {
      for (const r of await sql.query<{ password_hash: string }>('select password_hash from cred_accounts')) keep(r.password_hash, r.password_hash.split('$').at(-1)!);
      for (const r of await sql.query<{ secret_hash: string }>('select secret_hash from cred_refresh_tokens')) keep(r.secret_hash);
      for (const r of await sql.query<{ sealed: string }>('select sealed from cred_subsonic_passwords')) keep(r.sealed);
      for (const r of await sql.query<{ secret_hash: string }>('select secret_hash from cred_api_keys')) keep(r.secret_hash);
      for (const r of await sql.query<{ private_jwk: string }>('select private_jwk from cred_signing_keys')) keep((JSON.parse(r.private_jwk) as { d: string }).d);
      expect(secrets.length).toBeGreaterThan(20);

      const events = await sql.query<{ row: string }>(`select (event_id::text || event_type || stream_name || data::text || metadata::text) as row from es_events`);
      expect(events.length).toBeGreaterThanOrEqual(4);
      const stored = events.map((e) => e.row).join('\n');
      expect(stored).toContain('UserProfileChanged'); // the text is the events
      const { records } = await (async () => {
        let read: Awaited<ReturnType<typeof readTopics>> = { topics: new Map(), records: [] };
        await until('the last change on Kafka', async () => {
          read = await readTopics(harnessBrokers(), prefix);
          return read.records.some((r) => r.eventType === 'UserProfileChanged');
        });
        return read;
      })();
      const kafka = records.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).join('\n');
      expect(kafka).toContain('UserRegistered');
      const cli = await runChorusCli(['events'], { DATABASE_URL: db.url });
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain('UserProfileChanged');
      const logs = chorus.output();
      expect(logs).toContain('"msg"');

      for (const [where, text] of [['events', stored], ['kafka', kafka], ['chorus events', cli.stdout], ['logs', logs]] as const) {
        const leaked = secrets.filter((secret) => text.includes(secret));
        expect(leaked, `secrets found in ${where}`).toEqual([]);
      }
    } finally {
      await sql.close();
    }
  });
});
