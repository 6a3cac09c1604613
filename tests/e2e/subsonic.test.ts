/**
 * The OpenSubsonic edge over raw HTTP: every answer in JSON (validated against the OpenSubsonic
 * description) and in XML (parsed, compared with the JSON); the sign-in schemes and the spec's
 * error codes; browsing, lists, search, playlists, stars and scrobbles against the demo catalog.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSONIC_ERROR_CODES } from '../../subsonic/errors.js';
import type { ApiClient } from '../support/api-client.js';
import { FAST_ARGON2_ENV, signIn, signUp } from './support/accounts.js';
import { startE2eServer, type E2eServer } from './support/server.js';
import { SubsonicCaller, md5, tokenAuth, type Auth } from './support/subsonic.js';

let s: E2eServer;
let ada: SubsonicCaller;
let bob: SubsonicCaller;
let adaHttp: ApiClient;
let adaId: string;
let apiKey: string;
const APP_PASSWORD = 'ada-app-password-ü';
const BOB_APP_PASSWORD = 'bob-app-password';

beforeAll(async () => {
  s = await startE2eServer('subsonic', { env: { ...FAST_ARGON2_ENV, CHORUS_SIGNIN_FAILURES_PER_ACCOUNT: '1000', CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS: '1000' } });
  adaId = await signUp(s.api, 'ada', 'ada-account-password');
  ({ client: adaHttp } = await signIn(s.api, 'ada', 'ada-account-password'));
  expect((await adaHttp.put('/v1/me/subsonic-password', { password: APP_PASSWORD })).status).toBe(204);
  apiKey = (await adaHttp.post<{ apiKey: string }>('/v1/me/api-keys', { name: 'tests' })).body.apiKey;
  expect((await adaHttp.post('/v1/admin/users', { username: 'bob', password: 'bob-account-password', displayName: 'Bob' })).status).toBe(201);
  const { client: bobHttp } = await signIn(s.api, 'bob', 'bob-account-password');
  expect((await bobHttp.put('/v1/me/subsonic-password', { password: BOB_APP_PASSWORD })).status).toBe(204);
  ada = new SubsonicCaller(s.url, { u: 'ada', p: APP_PASSWORD });
  bob = new SubsonicCaller(s.url, { u: 'bob', p: BOB_APP_PASSWORD });
  await s.settle();
});
afterAll(async () => {
  await s?.close();
});

describe('envelope, formats and routes', () => {
  it('answers XML by default and JSON with f=json, on /rest/x and /rest/x.view, GET and POST form', async () => {
    const xml = await ada.raw('ping');
    expect(xml.contentType).toMatch(/^text\/xml/);
    expect(xml.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><subsonic-response xmlns="http:\/\/subsonic.org\/restapi" status="ok" version="1.16.1" type="chorus" serverVersion="[^"]+" openSubsonic="true"/);
    await ada.ok('ping');
    await ada.ok('ping', {}, { view: true });
    await ada.ok('ping', {}, { post: true });
    await ada.ok('getAlbum', { id: 'demo-album-0' }, { post: true, view: true });
  });

  it('refuses jsonp cleanly (error 0, in JSON) and answers an unknown method with error 0', async () => {
    const jsonp = await ada.raw('ping', { f: 'jsonp', callback: 'cb' });
    expect(jsonp.status).toBe(200);
    expect(jsonp.json).toMatchObject({ status: 'failed', error: { code: 0 } });
    expect(jsonp.json.error!.message).toMatch(/jsonp/);
    const unknown = await ada.raw('getPodcasts', {}, { format: 'json' });
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ status: 'failed', error: { code: 0 } });
  });

  it('getOpenSubsonicExtensions answers without signing in, and lists formPost and apiKeyAuthentication', async () => {
    const anonymous = new SubsonicCaller(s.url, {});
    const answer = await anonymous.ok('getOpenSubsonicExtensions', {}, { bare: true });
    expect(answer.openSubsonicExtensions).toEqual(expect.arrayContaining([{ name: 'formPost', versions: [1] }, { name: 'apiKeyAuthentication', versions: [1] }]));
  });
});

describe('README', () => {
  it('documents every Subsonic error code Chorus knows in its OpenSubsonic section', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## OpenSubsonic'), readme.indexOf('\n## ', readme.indexOf('## OpenSubsonic') + 3));
    for (const code of Object.keys(SUBSONIC_ERROR_CODES)) expect(section, `error ${code}`).toContain(`| \`${code}\` |`);
  });
});

describe('authentication', () => {
  it('takes u+p (plain and enc:), u+t+s and apiKey', async () => {
    await ada.ok('ping');
    await ada.as({ u: 'ada', p: `enc:${Buffer.from(APP_PASSWORD, 'utf8').toString('hex')}` }).ok('ping');
    await ada.as(tokenAuth('ada', APP_PASSWORD)).ok('ping');
    await ada.as({ u: 'ADA', ...tokenAuth('ada', APP_PASSWORD) }).ok('ping');
    await ada.as({ apiKey }).ok('ping');
  });

  it('answers the spec error codes: 10 missing, 40 wrong, 42 unsupported, 43 conflicting, 44 bad key', async () => {
    const salt = 'a1b2c3';
    await ada.as({}).failed(10, 'ping');
    await ada.as({ u: 'ada' }).failed(10, 'ping');
    await ada.as({ u: 'ada', t: md5(APP_PASSWORD + salt) }).failed(10, 'ping');
    await ada.as({ u: 'ada', p: 'not-it' }).failed(40, 'ping');
    await ada.as({ u: 'ada', p: 'ada-account-password' }).failed(40, 'ping'); // the account password is not the app password
    await ada.as({ u: 'ada', t: md5(APP_PASSWORD + salt), s: 'other-salt' }).failed(40, 'ping');
    await ada.as({ u: 'nobody', p: APP_PASSWORD }).failed(40, 'ping');
    await ada.as({ u: 'ada', p: 'enc:zz' }).failed(40, 'ping');
    await ada.as({}).failed(42, 'ping', {}, { headers: { authorization: 'Basic YWRhOnB3' } });
    await ada.as({ u: 'ada', p: APP_PASSWORD, t: md5(APP_PASSWORD + salt), s: salt }).failed(43, 'ping');
    await ada.as({ apiKey, u: 'ada' }).failed(43, 'ping');
    await ada.as({ apiKey: 'chorus_not-a-key' }).failed(44, 'ping');
    await ada.as({ apiKey: `${apiKey.slice(0, -4)}AAAA` }).failed(44, 'ping');
  });

  it('answers 10 without v, 20 for a protocol older than 1.x and 30 for one newer than 1.16.1', async () => {
    await ada.failed(10, 'ping', {}, { bare: true });
    await ada.failed(20, 'ping', { v: '0.9.0' });
    await ada.failed(30, 'ping', { v: '1.17.0' });
    await ada.failed(30, 'ping', { v: '2.0.0' });
    await ada.ok('ping', { v: '1.2.0' });
  });
});

describe('system and browsing', () => {
  it('getLicense, getMusicFolders, getUser', async () => {
    expect((await ada.ok('getLicense')).license).toMatchObject({ valid: true });
    expect((await ada.ok('getMusicFolders')).musicFolders).toEqual({ musicFolder: [{ id: 1, name: 'Music' }] });
    expect((await ada.ok('getUser', { username: 'ada' })).user).toMatchObject({ username: 'ada', adminRole: true, streamRole: true, maxBitRate: 128 });
    expect((await ada.ok('getUser', { username: 'bob' })).user).toMatchObject({ username: 'bob', adminRole: false });
    await bob.failed(50, 'getUser', { username: 'ada' });
    await ada.failed(70, 'getUser', { username: 'nobody' });
  });

  it('getArtists and getIndexes file every artist under a letter, articles ignored', async () => {
    const artists = (await ada.ok('getArtists')).artists as { index: { name: string; artist: { id: string; name: string; albumCount: number }[] }[] };
    const all = artists.index.flatMap((i) => i.artist);
    expect(all.length).toBe(150);
    expect(artists.index.find((i) => i.name === 'P')!.artist).toContainEqual(expect.objectContaining({ id: 'demo-artist-0', name: 'The Polyphonics', albumCount: expect.any(Number) }));
    const indexes = (await ada.ok('getIndexes')).indexes as { index: { artist: unknown[] }[] };
    expect(indexes.index.flatMap((i) => i.artist).length).toBe(150);
  });

  it('getArtist, getAlbum and getSong by the catalog ids; unknown ids are 70, missing ones 10', async () => {
    const artist = (await ada.ok('getArtist', { id: 'demo-artist-0' })).artist as { name: string; album: { id: string; name: string }[] };
    expect(artist.name).toBe('The Polyphonics');
    expect(artist.album.map((a) => a.id)).toContain('demo-album-0');
    const album = (await ada.ok('getAlbum', { id: 'demo-album-0' })).album as { name: string; songCount: number; duration: number; song: { id: string; title: string; track: number; duration: number }[] };
    expect(album).toMatchObject({ name: 'Harmony Street', songCount: 4, year: 2024 } as object);
    expect(album.song.map((t) => t.title)).toEqual(['Counterpoint Blues', 'Four Voices', 'Call and Response', 'Canon in the Rain']);
    expect(album.duration).toBe(album.song.reduce((sum, t) => sum + t.duration, 0));
    const song = (await ada.ok('getSong', { id: 'demo-track-0-2' })).song as Record<string, unknown>;
    expect(song).toMatchObject({ id: 'demo-track-0-2', title: 'Four Voices', album: 'Harmony Street', artist: 'The Polyphonics', albumId: 'demo-album-0', isDir: false, track: 2, duration: 197 });
    await ada.failed(70, 'getArtist', { id: 'no-such-artist' });
    await ada.failed(70, 'getAlbum', { id: 'no-such-album' });
    await ada.failed(70, 'getSong', { id: 'no-such-song' });
    await ada.failed(10, 'getAlbum');
    await ada.failed(10, 'getSong', { id: '' });
  });

  it('getGenres counts songs and albums; getSongsByGenre and getRandomSongs list songs', async () => {
    const genres = ((await ada.ok('getGenres')).genres as { genre: { value: string; songCount: number; albumCount: number }[] }).genre;
    const indie = genres.find((g) => g.value === 'indie')!;
    expect(indie.songCount).toBeGreaterThan(0);
    expect(indie.albumCount).toBeGreaterThan(0);
    const byGenre = ((await ada.ok('getSongsByGenre', { genre: 'indie', count: 5 })).songsByGenre as { song: { genres: { name: string }[] }[] }).song;
    expect(byGenre).toHaveLength(5);
    for (const song of byGenre) expect(song.genres.map((g) => g.name)).toContain('indie');
    const random = ((await ada.ok('getRandomSongs', { size: 7 })).randomSongs as { song: unknown[] }).song;
    expect(random).toHaveLength(7);
    await ada.failed(10, 'getSongsByGenre');
    await ada.failed(0, 'getRandomSongs', { size: 'many' });
  });

  it('getAlbumList2 answers every type', async () => {
    for (const type of ['random', 'newest', 'highest', 'frequent', 'recent', 'alphabeticalByName', 'alphabeticalByArtist', 'starred']) {
      await ada.ok('getAlbumList2', { type, size: 5 });
    }
    const byName = ((await ada.ok('getAlbumList2', { type: 'alphabeticalByName', size: 20 })).albumList2 as { album: { name: string }[] }).album;
    expect(byName).toHaveLength(20);
    const names = byName.map((a) => a.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    const next = ((await ada.ok('getAlbumList2', { type: 'alphabeticalByName', size: 5, offset: 5 })).albumList2 as { album: { name: string }[] }).album;
    expect(next.map((a) => a.name)).toEqual(byName.slice(5, 10).map((a) => a.name));
    const byYear = ((await ada.ok('getAlbumList2', { type: 'byYear', fromYear: 2024, toYear: 2024, size: 50 })).albumList2 as { album: { year: number }[] }).album;
    expect(byYear.length).toBeGreaterThan(0);
    for (const a of byYear) expect(a.year).toBe(2024);
    const byGenre = ((await ada.ok('getAlbumList2', { type: 'byGenre', genre: 'indie', size: 50 })).albumList2 as { album: { genres: { name: string }[] }[] }).album;
    for (const a of byGenre) expect(a.genres.map((g) => g.name)).toContain('indie');
    await ada.failed(10, 'getAlbumList2');
    await ada.failed(10, 'getAlbumList2', { type: 'byYear', fromYear: 2000 });
    await ada.failed(10, 'getAlbumList2', { type: 'byGenre' });
    await ada.failed(0, 'getAlbumList2', { type: 'sideways' });
  });

  it('search3 finds artists, albums and songs, pages them, and lists everything for an empty query', async () => {
    const found = (await ada.ok('search3', { query: 'polyphonics' })).searchResult3 as { artist: { id: string }[]; album: { id: string }[]; song: { id: string }[] };
    expect(found.artist.map((a) => a.id)).toContain('demo-artist-0');
    const songs = (await ada.ok('search3', { query: 'four voices', artistCount: 0, albumCount: 0, songCount: 1 })).searchResult3 as { artist: unknown[]; album: unknown[]; song: { id: string }[] };
    expect(songs.artist).toEqual([]);
    expect(songs.song.map((t) => t.id)).toEqual(['demo-track-0-2']);
    const everything = (await ada.ok('search3', { query: '""', artistCount: 10, albumCount: 10, songCount: 10, songOffset: 10 })).searchResult3 as { artist: unknown[]; album: unknown[]; song: unknown[] };
    expect(everything.artist).toHaveLength(10);
    expect(everything.album).toHaveLength(10);
    expect(everything.song).toHaveLength(10);
  });

  it('getTopSongs and getSimilarSongs2 answer songs of an artist', async () => {
    const top = ((await ada.ok('getTopSongs', { artist: 'The Polyphonics', count: 3 })).topSongs as { song: { artistId: string }[] }).song;
    expect(top).toHaveLength(3);
    for (const t of top) expect(t.artistId).toBe('demo-artist-0');
    expect(((await ada.ok('getTopSongs', { artist: 'Nobody At All' })).topSongs as { song: unknown[] }).song).toEqual([]);
    const similar = ((await ada.ok('getSimilarSongs2', { id: 'demo-artist-0', count: 5 })).similarSongs2 as { song: unknown[] }).song;
    expect(similar.length).toBeGreaterThan(0);
    await ada.failed(70, 'getSimilarSongs2', { id: 'no-such-artist' });
  });
});

describe('stars, scrobbles and now playing', () => {
  it('star and unstar songs and artists (TrackLiked, ArtistFollowed); getStarred2 lists them; songs show when', async () => {
    await ada.ok('star', { id: ['demo-track-0-1', 'demo-track-0-3'], artistId: 'demo-artist-0' });
    const starred = (await ada.ok('getStarred2')).starred2 as { song: { id: string; starred: string }[]; artist: { id: string }[] };
    expect(starred.song.map((t) => t.id).sort()).toEqual(['demo-track-0-1', 'demo-track-0-3']);
    expect(starred.artist.map((a) => a.id)).toEqual(['demo-artist-0']);
    const song = (await ada.ok('getSong', { id: 'demo-track-0-1' })).song as { starred?: string };
    expect(song.starred).toMatch(/^\d{4}-/);
    const events = (await s.stream(`user-${adaId}`)).map((e) => e.type);
    expect(events.filter((t) => t === 'TrackLiked')).toHaveLength(2);
    expect(events).toContain('ArtistFollowed');
    await ada.ok('unstar', { id: 'demo-track-0-3' });
    const after = (await ada.ok('getStarred2')).starred2 as { song: { id: string }[] };
    expect(after.song.map((t) => t.id)).toEqual(['demo-track-0-1']);
    await ada.failed(70, 'star', { id: 'no-such-track' });
    await ada.failed(10, 'star');
  });

  it('star and unstar albums (AlbumLiked, AlbumUnliked): getStarred2, getAlbumList2 type=starred and getAlbum show them, for their user only', async () => {
    type Album = { id: string; starred?: string };
    const starredAlbums = async () => ((await ada.ok('getStarred2')).starred2 as { album: Album[] }).album;
    const listed = async () => ((await ada.ok('getAlbumList2', { type: 'starred', size: '10' })).albumList2 as { album?: Album[] }).album ?? [];
    await ada.ok('star', { albumId: 'demo-album-0' });
    // A song and an album in one call: both recorded.
    await ada.ok('star', { id: 'demo-track-0-2', albumId: 'demo-album-1-0' });
    const events = (await s.stream(`user-${adaId}`)).map((e) => e.type);
    expect(events.filter((t) => t === 'AlbumLiked')).toHaveLength(2);
    expect((await starredAlbums()).map((a) => a.id)).toEqual(['demo-album-1-0', 'demo-album-0']);
    expect((await starredAlbums()).every((a) => /^\d{4}-/.test(a.starred ?? ''))).toBe(true);
    expect((await listed()).map((a) => a.id)).toEqual(['demo-album-1-0', 'demo-album-0']);
    expect(((await ada.ok('getAlbum', { id: 'demo-album-0' })).album as Album).starred).toMatch(/^\d{4}-/);
    expect(((await bob.ok('getAlbum', { id: 'demo-album-0' })).album as Album).starred).toBeUndefined();
    expect(((await bob.ok('getStarred2')).starred2 as { album: Album[] }).album).toEqual([]);
    // Starring again records nothing; an unknown album is error 70 with nothing recorded.
    const before = (await s.stream(`user-${adaId}`)).length;
    await ada.ok('star', { albumId: 'demo-album-0' });
    await ada.failed(70, 'star', { albumId: 'no-such-album' });
    // One bad id in a call records nothing of it: an unknown album, an id with a NUL, an oversized id.
    await ada.failed(70, 'star', { id: 'demo-track-0-4', albumId: 'no-such-album' });
    await ada.failed(0, 'star', { id: 'demo-track-0-4', albumId: 'demo-album-0\u0000x' });
    await ada.failed(0, 'star', { albumId: 'a'.repeat(2_000) });
    expect(await s.stream(`user-${adaId}`)).toHaveLength(before);
    expect(((await bob.ok('getStarred2')).starred2 as { album: Album[] }).album).toEqual([]);
    await ada.ok('unstar', { albumId: ['demo-album-0', 'demo-album-1-0'], id: 'demo-track-0-2' });
    expect(await starredAlbums()).toEqual([]);
    expect(await listed()).toEqual([]);
    expect(((await ada.ok('getAlbum', { id: 'demo-album-0' })).album as Album).starred).toBeUndefined();
    expect((await s.stream(`user-${adaId}`)).map((e) => e.type).filter((t) => t === 'AlbumUnliked')).toHaveLength(2);
  });

  it('a star is seen at once in the kept answers of getPlaylist and search3 (read-your-writes), in JSON and XML, by its user only', async () => {
    type Song = { id: string; title: string; starred?: string };
    const songs = ['demo-track-0-2', 'demo-track-0-4'];
    const { id } = (await ada.ok('createPlaylist', { name: 'Stars', songId: songs })).playlist as { id: string };
    const title = ((await ada.ok('getSong', { id: songs[0] })).song as Song).title;
    const entries = async () => ((await ada.ok('getPlaylist', { id })).playlist as { entry: Song[] }).entry;
    const found = async (caller: SubsonicCaller) => ((await caller.ok('search3', { query: title, artistCount: 0, albumCount: 0 })).searchResult3 as { song: Song[] }).song.find((t) => t.id === songs[0]);
    // Asked twice each: the second answer is the kept one.
    for (let i = 0; i < 2; i += 1) {
      expect((await entries()).map((e) => e.starred)).toEqual([undefined, undefined]);
      expect((await found(ada))?.starred).toBeUndefined();
    }
    await ada.ok('star', { id: songs[0] });
    for (let i = 0; i < 2; i += 1) {
      const [first, second] = await entries();
      expect(first!.starred).toMatch(/^\d{4}-/);
      expect(second!.starred).toBeUndefined();
      expect((await found(ada))?.starred).toMatch(/^\d{4}-/);
      expect((await found(bob))?.starred).toBeUndefined();
    }
    await ada.ok('unstar', { id: songs[0] });
    expect((await entries()).map((e) => e.starred)).toEqual([undefined, undefined]);
    expect((await found(ada))?.starred).toBeUndefined();
    await ada.ok('deletePlaylist', { id });
  });

  it('scrobble submission=false is now playing; submission=true records a TrackPlayed of the song', async () => {
    await ada.ok('scrobble', { id: 'demo-track-0-4', submission: false });
    const now = ((await bob.ok('getNowPlaying')).nowPlaying as { entry: { id: string; username: string; minutesAgo: number }[] }).entry;
    expect(now).toContainEqual(expect.objectContaining({ id: 'demo-track-0-4', username: 'ada', minutesAgo: 0 }));
    const before = await s.eventCount();
    expect(before).toBe(await s.eventCount());
    const time = Date.parse('2026-01-02T03:04:05.000Z');
    await ada.ok('scrobble', { id: 'demo-track-0-4', time });
    const plays = await s.stream(`listens-${adaId}`);
    expect(plays.at(-1)).toMatchObject({ type: 'TrackPlayed', data: { trackId: 'demo-track-0-4', playedAt: '2026-01-02T03:04:05.000Z', msPlayed: 231_000 } });
    await ada.failed(70, 'scrobble', { id: 'no-such-track' });
    await ada.failed(10, 'scrobble');
  });
});

describe('play queue', () => {
  it('savePlayQueue records the queue with its app (PlayQueueSaved); getPlayQueue answers the last one from any app', async () => {
    const empty = (await bob.ok('getPlayQueue')).playQueue as { entry: unknown[] };
    expect(empty.entry).toEqual([]);
    await ada.ok('savePlayQueue', { id: ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3'], current: 'demo-track-0-2', position: 61_000 });
    const queue = (await ada.as({ apiKey }).ok('getPlayQueue')).playQueue as { current: string; position: number; username: string; changedBy: string; entry: { id: string }[] };
    expect(queue).toMatchObject({ current: 'demo-track-0-2', position: 61_000, username: 'ada', changedBy: 'chorus-tests' });
    expect(queue.entry.map((e) => e.id)).toEqual(['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3']);
    expect((await s.stream(`playqueue-${adaId}`)).map((e) => e.type)).toEqual(['PlayQueueSaved']);
    const before = await s.eventCount();
    await ada.failed(70, 'savePlayQueue', { id: ['demo-track-0-1', 'no-such-track'] });
    await ada.failed(0, 'savePlayQueue', { id: 'demo-track-0-1', current: 'demo-track-0-4' });
    await ada.failed(0, 'savePlayQueue', { id: 'demo-track-0-1', position: -5 });
    expect(await s.eventCount()).toBe(before);
    // Another user's queue is their own.
    expect(((await bob.ok('getPlayQueue')).playQueue as { entry: unknown[] }).entry).toEqual([]);
  });
});

describe('playlists', () => {
  it('create, list, read, update by index, rename, delete; edits land in the collaborative document', async () => {
    const created = (await ada.ok('createPlaylist', { name: 'Road trip', songId: ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3'] })).playlist as {
      id: string;
      name: string;
      owner: string;
      songCount: number;
      entry: { id: string }[];
    };
    expect(created).toMatchObject({ name: 'Road trip', owner: 'ada', songCount: 3 });
    expect(created.entry.map((e) => e.id)).toEqual(['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3']);
    const listed = ((await ada.ok('getPlaylists')).playlists as { playlist: { id: string; songCount: number; readonly: boolean }[] }).playlist;
    expect(listed).toContainEqual(expect.objectContaining({ id: created.id, songCount: 3, readonly: false }));

    await ada.ok('updatePlaylist', { playlistId: created.id, name: 'Road trip 2', comment: 'for the car', songIndexToRemove: [0, 2], songIdToAdd: 'demo-track-0-4' });
    const updated = (await ada.ok('getPlaylist', { id: created.id })).playlist as { name: string; comment: string; entry: { id: string }[] };
    expect(updated).toMatchObject({ name: 'Road trip 2', comment: 'for the car' });
    expect(updated.entry.map((e) => e.id)).toEqual(['demo-track-0-2', 'demo-track-0-4']);
    // The HTTP API reads the same playlist.
    const viaHttp = await adaHttp.get<{ name: string; items: { trackId: string }[] }>(`/v1/playlists/${created.id}`);
    expect(viaHttp.body.name).toBe('Road trip 2');
    expect(viaHttp.body.items.map((i) => i.trackId)).toEqual(['demo-track-0-2', 'demo-track-0-4']);
    expect((await s.stream(`playlist-${created.id}`)).some((e) => e.type === 'PlaylistEdited')).toBe(true);

    // createPlaylist with playlistId replaces the songs.
    const replaced = (await ada.ok('createPlaylist', { playlistId: created.id, songId: ['demo-track-0-3'] })).playlist as { entry: { id: string }[] };
    expect(replaced.entry.map((e) => e.id)).toEqual(['demo-track-0-3']);

    // Others: not found while private; read-only and 50 on edits once public.
    await bob.failed(70, 'getPlaylist', { id: created.id });
    await ada.ok('updatePlaylist', { playlistId: created.id, public: true });
    expect(((await bob.ok('getPlaylist', { id: created.id })).playlist as { readonly: boolean }).readonly).toBe(true);
    await bob.failed(50, 'updatePlaylist', { playlistId: created.id, songIdToAdd: 'demo-track-0-1' });
    await bob.failed(50, 'deletePlaylist', { id: created.id });
    await ada.failed(0, 'updatePlaylist', { playlistId: created.id, songIndexToRemove: 9 });
    await ada.failed(70, 'updatePlaylist', { playlistId: created.id, songIdToAdd: 'no-such-track' });
    await ada.failed(10, 'createPlaylist');
    await ada.failed(10, 'updatePlaylist');

    await ada.ok('deletePlaylist', { id: created.id });
    await ada.failed(70, 'getPlaylist', { id: created.id });
    const gone = ((await ada.ok('getPlaylists')).playlists as { playlist: { id: string }[] }).playlist;
    expect(gone.map((p) => p.id)).not.toContain(created.id);
    await ada.failed(70, 'deletePlaylist', { id: 'no-such-playlist' });
  });
});

export type { Auth };
