/**
 * The OpenSubsonic edge driven by a real Subsonic client library (the npm `subsonic-api`, which
 * answers `status: "failed"` instead of throwing, so every status is asserted): every method
 * Chorus serves, with token auth over GET, form POST, and an API key. And a playlist edited by a
 * Subsonic app and by two stock y-websocket clients at once converges, seen the same by all.
 */
import SubsonicAPI from 'subsonic-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, openSynced, type SyncClient } from '../support/sync-clients.js';
import { FAST_ARGON2_ENV, signIn, signUp } from './support/accounts.js';
import { startE2eServer, type E2eServer } from './support/server.js';

let s: E2eServer;
let accessToken: string;
let apiKey: string;
const APP_PASSWORD = 'cleo-app-password';

type Answer = { status: string; error?: { code: number; message?: string } };
const ok = <T extends Answer>(answer: T): T => {
  expect(answer.status, JSON.stringify(answer)).toBe('ok');
  return answer;
};

beforeAll(async () => {
  s = await startE2eServer('subsonic_client', { env: { ...FAST_ARGON2_ENV, CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS: '1000' } });
  await signUp(s.api, 'cleo', 'cleo-account-password');
  const { client, tokens } = await signIn(s.api, 'cleo', 'cleo-account-password');
  accessToken = tokens.accessToken;
  expect((await client.put('/v1/me/subsonic-password', { password: APP_PASSWORD })).status).toBe(204);
  apiKey = (await client.post<{ apiKey: string }>('/v1/me/api-keys', { name: 'library tests' })).body.apiKey;
  await s.settle();
});
afterAll(async () => {
  await s?.close();
});

const clients = () => ({
  'token auth, GET': new SubsonicAPI({ url: s.url, auth: { username: 'cleo', password: APP_PASSWORD } }),
  'token auth, form POST': new SubsonicAPI({ url: s.url, auth: { username: 'cleo', password: APP_PASSWORD }, post: true }),
  'API key': new SubsonicAPI({ url: s.url, auth: { apiKey } }),
});

describe('subsonic-api client', () => {
  for (const label of ['token auth, GET', 'token auth, form POST', 'API key'] as const) {
    it(`every method Chorus serves answers ok (${label})`, async () => {
      const api = clients()[label];
      ok(await api.ping());
      expect(ok(await api.getLicense()).license.valid).toBe(true);
      const extensions = ok(await api.getOpenSubsonicExtensions()).openSubsonicExtensions;
      expect(extensions.map((e) => e.name)).toEqual(expect.arrayContaining(['formPost', 'apiKeyAuthentication']));
      expect(ok(await api.getMusicFolders()).musicFolders.musicFolder).toHaveLength(1);
      expect(ok(await api.getUser({ username: 'cleo' })).user.username).toBe('cleo');
      const artists = ok(await api.getArtists()).artists.index?.flatMap((i) => i.artist ?? []);
      expect(artists).toHaveLength(150);
      expect(ok(await api.getIndexes()).indexes.index?.length).toBeGreaterThan(0);
      expect(ok(await api.getArtist({ id: 'demo-artist-0' })).artist.name).toBe('The Polyphonics');
      const album = ok(await api.getAlbum({ id: 'demo-album-0' })).album;
      expect(album.song?.map((t) => t.id)).toEqual(['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4']);
      expect(ok(await api.getSong({ id: 'demo-track-0-1' })).song.title).toBe('Counterpoint Blues');
      expect(ok(await api.getGenres()).genres.genre?.length).toBeGreaterThan(0);
      for (const type of ['random', 'newest', 'highest', 'frequent', 'recent', 'alphabeticalByName', 'alphabeticalByArtist', 'starred'] as const) {
        ok(await api.getAlbumList2({ type, size: 3 }));
      }
      expect(ok(await api.getAlbumList2({ type: 'byYear', fromYear: 2024, toYear: 2024 })).albumList2.album?.length).toBeGreaterThan(0);
      expect(ok(await api.getAlbumList2({ type: 'byGenre', genre: 'indie' })).albumList2.album?.length).toBeGreaterThan(0);
      expect(ok(await api.getRandomSongs({ size: 4 })).randomSongs.song).toHaveLength(4);
      expect(ok(await api.getSongsByGenre({ genre: 'indie', count: 2 })).songsByGenre.song).toHaveLength(2);
      expect(ok(await api.search3({ query: 'Polyphonics' })).searchResult3.artist?.map((a) => a.id)).toContain('demo-artist-0');
      expect(ok(await api.getTopSongs({ artist: 'The Polyphonics', count: 2 })).topSongs.song).toHaveLength(2);
      expect(ok(await api.getSimilarSongs2({ id: 'demo-artist-0', count: 3 })).similarSongs2.song?.length).toBeGreaterThan(0);

      ok(await api.star({ id: 'demo-track-0-1' }));
      expect(ok(await api.getStarred2()).starred2.song?.map((t) => t.id)).toContain('demo-track-0-1');
      ok(await api.unstar({ id: 'demo-track-0-1' }));
      ok(await api.scrobble({ id: 'demo-track-0-2', submission: false }));
      expect(ok(await api.getNowPlaying()).nowPlaying.entry?.map((e) => e.id)).toContain('demo-track-0-2');
      ok(await api.scrobble({ id: 'demo-track-0-2', submission: true }));
      ok(await api.savePlayQueue({ id: ['demo-track-0-3', 'demo-track-0-4'], current: 'demo-track-0-4', position: 5_000 }));
      expect(ok(await api.getPlayQueue()).playQueue?.current).toBe('demo-track-0-4');

      const created = ok(await api.createPlaylist({ name: `From ${label}`, songId: ['demo-track-0-1', 'demo-track-0-2'] })).playlist;
      expect(created.entry?.map((e) => e.id)).toEqual(['demo-track-0-1', 'demo-track-0-2']);
      ok(await api.updatePlaylist({ playlistId: created.id, songIdToAdd: ['demo-track-0-3'], songIndexToRemove: [0] }));
      expect(ok(await api.getPlaylist({ id: created.id })).playlist.entry?.map((e) => e.id)).toEqual(['demo-track-0-2', 'demo-track-0-3']);
      expect(ok(await api.getPlaylists()).playlists.playlist?.map((p) => p.id)).toContain(created.id);
      ok(await api.deletePlaylist({ id: created.id }));

      // Failures come back as status "failed" with the spec's code.
      const missing = await api.getAlbum({ id: 'no-such-album' });
      expect(missing).toMatchObject({ status: 'failed', error: { code: 70 } });
    });
  }

  it('a wrong password is error 40', async () => {
    const wrong = new SubsonicAPI({ url: s.url, auth: { username: 'cleo', password: 'not-the-app-password' } });
    expect(await wrong.ping()).toMatchObject({ status: 'failed', error: { code: 40 } });
  });
});

describe('a Subsonic app and y-websocket clients on one playlist', () => {
  const open: SyncClient[] = [];
  afterAll(() => {
    for (const client of open) client.destroy();
  });

  it('converge: the app sees what the clients added, the clients see what the app added and removed by index', async () => {
    const api = new SubsonicAPI({ url: s.url, auth: { username: 'cleo', password: APP_PASSWORD } });
    const playlist = ok(await api.createPlaylist({ name: 'Shared', songId: ['demo-track-0-1'] })).playlist;
    const syncUrl = `${s.url.replace(/^http/, 'ws')}/v1/sync/playlists`;
    const phone = await openSynced(syncUrl, playlist.id, accessToken, { label: 'phone', userId: 'cleo' });
    const laptop = await openSynced(syncUrl, playlist.id, accessToken, { label: 'laptop', userId: 'cleo' });
    open.push(phone, laptop);
    await eventually(() => expect(phone.entries().map((e) => e.trackId)).toEqual(['demo-track-0-1']));

    // The clients add at the same time as the app does.
    phone.insert(['demo-track-0-2']);
    laptop.insert(['demo-track-0-3'], 0);
    ok(await api.updatePlaylist({ playlistId: playlist.id, songIdToAdd: ['demo-track-0-4'] }));
    await eventually(() => {
      expect(phone.entries().map((e) => e.trackId).sort()).toEqual(['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4']);
      expect(laptop.entries().map((e) => e.trackId)).toEqual(phone.entries().map((e) => e.trackId));
    }, 10_000);
    const converged = phone.entries().map((e) => e.trackId);
    await eventually(async () => expect(ok(await api.getPlaylist({ id: playlist.id })).playlist.entry?.map((e) => e.id)).toEqual(converged), 10_000);

    // A removal by index names the entry at that index now.
    ok(await api.updatePlaylist({ playlistId: playlist.id, songIndexToRemove: [1] }));
    const expected = converged.filter((_, i) => i !== 1);
    await eventually(() => {
      expect(phone.entries().map((e) => e.trackId)).toEqual(expected);
      expect(laptop.entries().map((e) => e.trackId)).toEqual(expected);
    }, 10_000);
    expect(ok(await api.getPlaylist({ id: playlist.id })).playlist.entry?.map((e) => e.id)).toEqual(expected);
  });
});
