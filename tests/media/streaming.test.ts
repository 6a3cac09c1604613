/**
 * Streaming over HTTP on real ffmpeg output: a Chorus server, a library scanned into its event
 * store and media folder, then `GET /v1/tracks/:id/stream` (plan caps, rights, no audio), the
 * signed media URLs (Range edge cases on the real files, HLS through its relative URIs, tampered,
 * foreign, expired and rotated signatures) and covers resized and kept.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../application/handle-command.js';
import { scanLibrary } from '../../application/library/scan.js';
import { MediaKeyRing, signGrant, type MediaGrant } from '../../application/streaming/signing.js';
import { catalogDecider } from '../../domain/catalog/decider.js';
import { catalogStream } from '../../domain/catalog/events.js';
import { userDecider } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../gateways/media/ffmpeg/hls.js';
import { expectError, type ApiClient } from '../support/api-client.js';
import { writeLibrary } from '../support/library.js';
import { startE2eServer, uniqueUser, type E2eServer } from '../e2e/support/server.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const secret = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const KEYS = `current:${secret(7)},previous:${secret(8)}`;
const tags = (title: string, track: number) => ({ artist: 'Streamers', album: 'Range Tests', title, track: String(track), date: '2021' });

interface Offer {
  trackId: string;
  quality: string;
  url: string;
  hls: string;
  bitrate: number;
  codec: string;
  mimeType: string;
  durationMs: number;
  bytes: number;
  expiresAt: string;
}

let s: E2eServer;
let dir: string;
let media: FolderMediaStore;
let flacId: string;
let mp3Id: string;
let albumId: string;
let free: ApiClient;
let premium: ApiClient;

// fetch adds `Cache-Control: no-cache` to conditional requests (an end-to-end reload) unless told otherwise.
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers: { 'cache-control': 'max-age=0', ...headers } });
const offer = async (client: ApiClient, trackId: string, quality?: string) => {
  const answer = await client.get<Offer>(`/v1/tracks/${trackId}/stream${quality ? `?quality=${quality}` : ''}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
};
const login = async (label: string, extra: Record<string, unknown> = {}) => {
  const userId = uniqueUser(label);
  const answer = await s.api.post<{ token: string }>('/v1/auth/dev-token', { userId, displayName: label, ...extra });
  expect(answer.status, answer.text).toBe(200);
  return { userId, client: s.api.as(answer.body.token) };
};
/** The grant segment of a media path, and a path with another one. */
const grantOf = (url: string) => url.split('/')[2]!;
const withGrant = (url: string, grant: string) => url.split('/').map((part, i) => (i === 2 ? grant : part)).join('/');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-streaming-'));
  s = await startE2eServer('streaming', { env: { CHORUS_MEDIA_DIR: join(dir, 'media'), CHORUS_MEDIA_KEYS: KEYS, CHORUS_DATA_DIR: join(dir, 'data') } });
  const library = join(dir, 'library');
  await writeLibrary(library, {
    'a/01.flac': { format: 'flac', seconds: 8, tags: tags('Lossless One', 1), cover: 'green' },
    'a/02.mp3': { format: 'mp3', seconds: 3, tags: tags('Lossy Two', 2) },
  });
  media = await FolderMediaStore.open(join(dir, 'media'));
  const summary = await scanLibrary({ events: s.store, media }, library, { concurrency: 2 });
  expect(summary.failed).toStrictEqual([]);
  await s.settle();
  const found = await s.sql.query<{ track_id: string; title: string; album_id: string }>(`select track_id, title, album_id from catalog_tracks where title in ('Lossless One', 'Lossy Two')`);
  flacId = found.find((t) => t.title === 'Lossless One')!.track_id;
  mp3Id = found.find((t) => t.title === 'Lossy Two')!.track_id;
  albumId = found[0]!.album_id;
  await until(async () => (await s.sql.query(`select 1 from catalog_tracks where album_id = $1 and renditions is not null`, [albumId])).length === 2);
  free = (await login('free')).client;
  premium = (await login('premium', { plan: 'premium', country: 'SE' })).client;
  await s.settle();
}, 300_000);

afterAll(async () => {
  await s?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('GET /v1/tracks/:id/stream', () => {
  it('gives a free listener 128 kbps AAC whatever they ask for', async () => {
    for (const asked of [undefined, 'high', 'lossless']) {
      const o = await offer(free, flacId, asked);
      expect(o).toMatchObject({ trackId: flacId, quality: 'low', bitrate: 128_000, codec: 'mp4a.40.2', mimeType: 'audio/mp4' });
      expect(o.url).toMatch(/^\/media\/\d+\.current\.low\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}\/.+\/aac-128\.m4a$/);
      expect(o.hls).toMatch(/\/hls\/master-low\.m3u8$/);
      expect(Math.abs(o.durationMs - 8_000)).toBeLessThan(50);
      expect(Date.parse(o.expiresAt)).toBeGreaterThan(Date.now());
    }
  });

  it('gives a premium listener the lossless original of a lossless track, 320 kbps of a lossy one, and less when asked', async () => {
    expect(await offer(premium, flacId)).toMatchObject({ quality: 'lossless', codec: 'flac', mimeType: 'audio/flac' });
    expect(await offer(premium, mp3Id)).toMatchObject({ quality: 'high', bitrate: 320_000 });
    expect(await offer(premium, mp3Id, 'lossless')).toMatchObject({ quality: 'high' });
    expect(await offer(premium, flacId, 'low')).toMatchObject({ quality: 'low', bitrate: 128_000 });
  });

  it('refuses a track without audio (409), an unknown track (404), a bad quality (400), and anyone without a token (401)', async () => {
    const [demo] = await s.sql.query<{ track_id: string }>(`select track_id from catalog_tracks where renditions is null limit 1`);
    expectError(await free.get(`/v1/tracks/${demo!.track_id}/stream`), 'TRACK_HAS_NO_AUDIO');
    expectError(await free.get('/v1/tracks/no-such-track/stream'), 'TRACK_NOT_FOUND');
    expectError(await free.get(`/v1/tracks/${flacId}/stream?quality=ultra`), 'VALIDATION_FAILED');
    expectError(await s.api.get(`/v1/tracks/${flacId}/stream`, { token: null }), 'UNAUTHENTICATED');
  });

  it('applies a change of plan to the next offer (offers read the listener and the track per read-model version)', async () => {
    const { userId, client } = await login('upgrading');
    await s.settle();
    expect((await offer(client, flacId)).quality).toBe('low');
    expect((await offer(client, flacId)).quality).toBe('low');
    await handleCommand(s.store, userDecider, userStream(userId), { type: 'ChangeSubscription', userId, plan: 'premium', at: new Date().toISOString() }, { actorId: 'test' });
    await s.settle();
    expect((await offer(client, flacId)).quality).toBe('lossless');
    await handleCommand(s.store, userDecider, userStream(userId), { type: 'ChangeSubscription', userId, plan: 'free', at: new Date().toISOString() }, { actorId: 'test' });
    await s.settle();
    expect((await offer(client, flacId)).quality).toBe('low');
  });

  it('refuses a track limited to other markets (451), and to a listener without a country', async () => {
    const [row] = await s.sql.query<{ artist_id: string }>(`select artist_id from catalog_tracks where track_id = $1`, [mp3Id]);
    const artistId = row!.artist_id;
    await handleCommand(s.store, catalogDecider, catalogStream(artistId), { type: 'ChangeTrackAvailability', artistId, trackId: mp3Id, available: true, markets: ['SE', 'NO'], reason: 'markets-changed', at: new Date().toISOString() }, { actorId: 'test' });
    const german = (await login('german', { country: 'DE' })).client;
    await s.settle();
    await until(async () => (await german.get(`/v1/tracks/${mp3Id}/stream`)).status === 451);
    expectError(await german.get(`/v1/tracks/${mp3Id}/stream`), 'TRACK_UNAVAILABLE_IN_REGION');
    expectError(await free.get(`/v1/tracks/${mp3Id}/stream`), 'TRACK_UNAVAILABLE_IN_REGION');
    expect((await offer(premium, mp3Id)).quality).toBe('high');
    await handleCommand(s.store, catalogDecider, catalogStream(artistId), { type: 'ChangeTrackAvailability', artistId, trackId: mp3Id, available: true, markets: null, reason: 'markets-changed', at: new Date().toISOString() }, { actorId: 'test' });
    await s.settle();
    await until(async () => (await german.get(`/v1/tracks/${mp3Id}/stream`)).status === 200);
    expect((await offer(german, mp3Id)).quality).toBe('low');
  });
});

describe('media answers', () => {
  let url: string;
  let bytes: Buffer;
  let size: number;

  beforeAll(async () => {
    const o = await offer(free, flacId);
    url = o.url;
    bytes = await readFile(media.localPath(`tracks/${flacId}/${url.split('/').slice(4).join('/')}`));
    size = bytes.length;
    expect(size).toBe(o.bytes);
  });

  it('send the whole file with its type, validators and a cache lifetime within the URL\'s expiry, never compressed', async () => {
    const r = await get(url, { 'accept-encoding': 'gzip, br' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('audio/mp4');
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('etag')).toMatch(/^(W\/)?"/);
    expect(r.headers.get('last-modified')).toBeTruthy();
    expect(r.headers.get('content-encoding')).toBeNull();
    const maxAge = Number(/max-age=(\d+)/.exec(r.headers.get('cache-control') ?? '')?.[1]);
    const expiresAt = Number(grantOf(url).split('.')[0]);
    expect(maxAge).toBeGreaterThan(0);
    expect(Date.now() / 1000 + maxAge).toBeLessThanOrEqual(expiresAt + 1);
    expect(Buffer.from(await r.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answer ranges: the first byte, Safari\'s bytes=0-1 probe, the last byte, a suffix, an open end', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=0-1', 0, 1],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      [`bytes=100-${size + 5000}`, 100, size - 1],
    ];
    for (const [range, first, last] of cases) {
      const r = await get(url, { range });
      expect(r.status, range).toBe(206);
      expect(r.headers.get('content-range'), range).toBe(`bytes ${first}-${last}/${size}`);
      expect(Number(r.headers.get('content-length')), range).toBe(last - first + 1);
      expect(Buffer.from(await r.arrayBuffer()).equals(bytes.subarray(first, last + 1)), range).toBe(true);
    }
  });

  it('answer 416 with the size to a range past the end; several ranges get the whole file', async () => {
    const past = await get(url, { range: `bytes=${size}-` });
    expectError({ status: past.status, headers: past.headers, body: await past.json(), text: '' }, 'RANGE_NOT_SATISFIABLE');
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    const multi = await get(url, { range: 'bytes=0-1,10-20' });
    expect(multi.status).toBe(200);
    expect(Number(multi.headers.get('content-length'))).toBe(size);
    await multi.arrayBuffer();
  });

  it('answer HEAD with the length of what GET would send, and no body', async () => {
    const whole = await fetch(`${s.url}${url}`, { method: 'HEAD' });
    expect(whole.status).toBe(200);
    expect(Number(whole.headers.get('content-length'))).toBe(size);
    const ranged = await fetch(`${s.url}${url}`, { method: 'HEAD', headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-99/${size}`);
    expect(Number(ranged.headers.get('content-length'))).toBe(100);
    expect((await ranged.arrayBuffer()).byteLength).toBe(0);
  });

  it('honour If-Range (a stale ETag gets the whole file) and If-None-Match (304)', async () => {
    const etag = (await get(url, { range: 'bytes=0-0' })).headers.get('etag')!;
    const fresh = await get(url, { range: 'bytes=0-9', 'if-range': etag });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const stale = await get(url, { range: 'bytes=0-9', 'if-range': '"stale-etag"' });
    expect(stale.status).toBe(200);
    expect(Number(stale.headers.get('content-length'))).toBe(size);
    await stale.arrayBuffer();
    const cached = await get(url, { 'if-none-match': etag });
    expect(cached.status).toBe(304);
  });

  it('serve HLS through the master playlist\'s relative URIs, which keep the signature', async () => {
    const o = await offer(premium, flacId);
    const master = await get(o.hls);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const variants = parseMasterPlaylist(await master.text());
    expect(variants.map((v) => [v.uri, v.attributes.CODECS])).toStrictEqual([['128/index.m3u8', 'mp4a.40.2'], ['320/index.m3u8', 'mp4a.40.2']]);
    const base = new URL(o.hls, s.url);
    const playlistUrl = new URL(variants[1]!.uri, base);
    const playlist = parseMediaPlaylist(await (await get(playlistUrl.pathname)).text());
    expect(playlist.segments.length).toBeGreaterThanOrEqual(2);
    for (const uri of [playlist.init!, ...playlist.segments.map((x) => x.uri)]) {
      const r = await get(new URL(uri, playlistUrl).pathname);
      expect(r.status, uri).toBe(200);
      expect(r.headers.get('content-type')).toBe('audio/mp4');
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('refuse files above the quality the URL grants, and files that are not media', async () => {
    const o = await offer(free, flacId);
    const version = o.url.split('/')[4]!;
    expectError(await asApi(withPath(o.url, `${version}/aac-320.m4a`)), 'MEDIA_SIGNATURE_INVALID');
    expectError(await asApi(withPath(o.url, `${version}/hls/320/index.m3u8`)), 'MEDIA_SIGNATURE_INVALID');
    expectError(await asApi(withPath(o.url, `${version}/original.flac`)), 'MEDIA_SIGNATURE_INVALID');
    expectError(await asApi(withPath(o.url, `${version}/manifest.json`)), 'MEDIA_NOT_FOUND');
    expectError(await asApi(withPath(o.url, `${version}/hls/128/seg-999.m4s`)), 'MEDIA_NOT_FOUND');
    const master = await (await get(o.hls)).text();
    expect(parseMasterPlaylist(master).map((v) => v.uri)).toStrictEqual(['128/index.m3u8']);
  });
});

describe('media signatures', () => {
  let o: Offer;
  let grant: MediaGrant;
  beforeAll(async () => {
    o = await offer(free, flacId);
    const [exp, , quality] = grantOf(o.url).split('.');
    const user = Buffer.from(grantOf(o.url).split('.')[3]!, 'base64url').toString();
    grant = { trackId: flacId, quality: quality as MediaGrant['quality'], userId: user, expiresAt: Number(exp) };
  });

  it('a tampered signature, expiry or quality is refused with 403', async () => {
    const [exp, kid, quality, user, sig] = grantOf(o.url).split('.') as [string, string, string, string, string];
    const flipped = sig.slice(0, 5) + (sig[5] === 'A' ? 'B' : 'A') + sig.slice(6);
    expectError(await asApi(withGrant(o.url, [exp, kid, quality, user, flipped].join('.'))), 'MEDIA_SIGNATURE_INVALID');
    expectError(await asApi(withGrant(o.url, [String(Number(exp) + 3600), kid, quality, user, sig].join('.'))), 'MEDIA_SIGNATURE_INVALID');
    expectError(await asApi(withGrant(o.url, [exp, kid, 'high', user, sig].join('.'))), 'MEDIA_SIGNATURE_INVALID');
  });

  it('a URL of another track or another user is refused with 403', async () => {
    const otherTrack = o.url.split('/').map((part, i) => (i === 3 ? mp3Id : part)).join('/');
    expectError(await asApi(otherTrack), 'MEDIA_SIGNATURE_INVALID');
    const [exp, kid, quality, , sig] = grantOf(o.url).split('.') as [string, string, string, string, string];
    const someoneElse = Buffer.from('someone-else').toString('base64url');
    expectError(await asApi(withGrant(o.url, [exp, kid, quality, someoneElse, sig].join('.'))), 'MEDIA_SIGNATURE_INVALID');
  });

  it('an expired URL answers 410; a URL of the previous key still plays; an unknown key id is refused', async () => {
    const ring = MediaKeyRing.parse(KEYS);
    expectError(await asApi(withGrant(o.url, signGrant(ring, { ...grant, expiresAt: Math.floor(Date.now() / 1000) - 1 }))), 'MEDIA_URL_EXPIRED');
    const previous = MediaKeyRing.parse(KEYS.split(',')[1]!);
    const old = await get(withGrant(o.url, signGrant(previous, grant)), { range: 'bytes=0-1' });
    expect(old.status).toBe(206);
    await old.arrayBuffer();
    const unknown = MediaKeyRing.parse(`retired:${secret(9)}`);
    expectError(await asApi(withGrant(o.url, signGrant(unknown, grant))), 'MEDIA_SIGNATURE_INVALID');
  });
});

describe('GET /v1/albums/:id/cover', () => {
  it('serves the cover without a token, resized to the ladder once and kept, with an ETag and a lasting cache when versioned', async () => {
    const album = await free.get<{ coverUrl: string }>(`/v1/albums/${albumId}`);
    const coverUrl = album.body.coverUrl;
    expect(coverUrl).toMatch(/\/cover\?v=[0-9a-f]{16}$/);
    const r = await get(`${coverUrl}&size=100`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = r.headers.get('etag')!;
    const image = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
    expect([image.format, image.width, image.height]).toStrictEqual(['jpeg', 128, 128]);
    const kept = (await media.list(`covers/${albumId}`)).filter((k) => k.endsWith('-128.jpg'));
    expect(kept).toHaveLength(1);
    const mtime = (await stat(media.localPath(kept[0]!))).mtimeMs;
    const again = await get(`${coverUrl}&size=128`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect((await stat(media.localPath(kept[0]!))).mtimeMs).toBe(mtime);
    const webp = await get(`/v1/albums/${albumId}/cover?size=64&format=webp`);
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('cache-control')).toBe('public, max-age=3600');
    expect((await sharp(Buffer.from(await webp.arrayBuffer())).metadata()).width).toBe(64);
  });

  it('answers 404 for an album without a cover or an unknown album, 400 for a size off the range', async () => {
    const [bare] = await s.sql.query<{ album_id: string }>(`select album_id from catalog_albums where cover is null limit 1`);
    expectError(await asApi(`/v1/albums/${bare!.album_id}/cover`), 'COVER_NOT_FOUND');
    expectError(await asApi('/v1/albums/no-such-album/cover'), 'ALBUM_NOT_FOUND');
    expectError(await asApi(`/v1/albums/${albumId}/cover?size=5000`), 'VALIDATION_FAILED');
  });
});

describe('metrics', () => {
  it('count stream URLs by quality and media bytes sent', async () => {
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/chorus_stream_url_requests_total\{quality="low"\} [1-9]/);
    expect(text).toMatch(/chorus_stream_url_requests_total\{quality="lossless"\} [1-9]/);
    expect(text).toMatch(/chorus_media_bytes_served_total\{kind="audio"\} [1-9]/);
    expect(text).toMatch(/chorus_media_bytes_served_total\{kind="cover"\} [1-9]/);
  });
});

/** Waits (up to 10 s) for the read models to show what was written. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the read models did not catch up within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function withPath(url: string, file: string): string {
  return [...url.split('/').slice(0, 4), file].join('/');
}

async function asApi(path: string) {
  const r = await get(path);
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, headers: r.headers, body, text };
}
