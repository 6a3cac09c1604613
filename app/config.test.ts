import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('binds to 127.0.0.1 by default while dev tokens are on (whoever reaches them can be anyone), to every address otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    const jwks = { CHORUS_JWKS_URL: 'https://id.example/jwks.json', CHORUS_JWT_ISSUER: 'https://id.example/', CHORUS_JWT_AUDIENCE: 'chorus' };
    expect(loadConfig(jwks).host).toBe('0.0.0.0');
    expect(loadConfig({ ...jwks, CHORUS_DEV_TOKENS: 'on' }).host).toBe('127.0.0.1');
    expect(loadConfig({ CHORUS_DEV_TOKENS: 'off' }).host).toBe('0.0.0.0');
  });

  it('caps the playlists a user owns (CHORUS_MAX_PLAYLISTS_PER_USER, default 1,000)', () => {
    expect(loadConfig({}).maxPlaylistsPerUser).toBe(1_000);
    expect(loadConfig({ CHORUS_MAX_PLAYLISTS_PER_USER: '5' }).maxPlaylistsPerUser).toBe(5);
    expect(() => loadConfig({ CHORUS_MAX_PLAYLISTS_PER_USER: '0' })).toThrow(/CHORUS_MAX_PLAYLISTS_PER_USER/);
  });

  it('runs projections in the main thread, or in a thread of their own on PostgreSQL with Redis (CHORUS_PROJECTIONS)', () => {
    const servers = { DATABASE_URL: 'postgres://db/chorus', REDIS_URL: 'redis://cache' };
    expect(loadConfig(servers).projections).toBe('main');
    expect(loadConfig({ ...servers, CHORUS_PROJECTIONS: 'thread' }).projections).toBe('thread');
    expect(loadConfig({}).projections).toBe('main');
    expect(() => loadConfig({ DATABASE_URL: servers.DATABASE_URL, CHORUS_PROJECTIONS: 'thread' })).toThrow(/CHORUS_PROJECTIONS=thread needs DATABASE_URL and REDIS_URL/);
    expect(() => loadConfig({ ...servers, CHORUS_PROJECTIONS: 'worker' })).toThrow(/CHORUS_PROJECTIONS must be thread or main/);
  });

  it('prepares the statements used often unless CHORUS_PG_PREPARE is off', () => {
    expect(loadConfig({}).pgPrepare).toBe(true);
    expect(loadConfig({ CHORUS_PG_PREPARE: '0' }).pgPrepare).toBe(false);
    expect(loadConfig({ CHORUS_PG_PREPARE: 'on' }).pgPrepare).toBe(true);
    expect(() => loadConfig({ CHORUS_PG_PREPARE: 'sometimes' })).toThrow(/CHORUS_PG_PREPARE must be 1 or 0/);
  });
});
