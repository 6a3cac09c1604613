/**
 * OpenSubsonic's media methods on real ffmpeg output: one short lossless track with a cover,
 * scanned into a Chorus server, then `stream` (the bytes are the rendition the plan and
 * `maxBitRate`/`format` pick, a playable m4a by ffprobe; Range as apps seek with it), `download`,
 * `getCoverArt` (sizes on the ladder, checked by sharp), their failures in the envelope (validated
 * against the OpenSubsonic description, XML compared), and the npm `subsonic-api` client on them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import SubsonicAPI from 'subsonic-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../application/handle-command.js';
import { scanLibrary } from '../../application/library/scan.js';
import { catalogDecider } from '../../domain/catalog/decider.js';
import { catalogStream } from '../../domain/catalog/events.js';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { FAST_ARGON2_ENV, signIn, signUp } from '../e2e/support/accounts.js';
import { startE2eServer, type E2eServer } from '../e2e/support/server.js';
import { SubsonicCaller } from '../e2e/support/subsonic.js';
import { writeLibrary } from '../support/library.js';

// The same clip as tests/media/streaming.test.ts, so both share one encode (tests/support/audio.ts caches it).
const TAGS = { artist: 'Streamers', album: 'Range Tests', title: 'Lossless One', track: '1', date: '2021' };
const SECONDS = 8;

let s: E2eServer;
let dir: string;
let media: FolderMediaStore;
let trackId: string;
let albumId: string;
let artistId: string;
let folder: string;
/** A free listener (128 kbps) and a premium one (320 kbps and lossless). */
let free: SubsonicCaller;
let premium: SubsonicCaller;
let premiumId: string;

interface Fetched {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** One media call over raw HTTP (GET, or a form POST), with the caller's sign-in. */
async function fetchMedia(caller: SubsonicCaller, method: string, params: Record<string, string | number> = {}, options: { post?: boolean; view?: boolean; headers?: Record<string, string> } = {}): Promise<Fetched> {
  const search = new URLSearchParams({ v: '1.16.1', c: 'chorus-tests', ...(caller.auth as Record<string, string>) });
  for (const [name, value] of Object.entries(params)) search.append(name, String(value));
  const path = `${s.url}/rest/${method}${options.view ? '.view' : ''}`;
  const response = options.post
    ? await fetch(path, { method: 'POST', body: search.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers } })
    : await fetch(`${path}?${search.toString()}`, { headers: { 'cache-control': 'max-age=0', ...options.headers } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** A rendition's bytes as the media folder holds them. */
const rendition = (file: string) => readFile(join(folder, file));

function ffprobe(bytes: Buffer, name: string): Promise<{ format: string; codec: string; bitrate: number; durationMs: number }> {
  return (async () => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const run = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-select_streams', 'a:0', path]);
    expect(run.status, run.stderr.toString()).toBe(0);
    const out = JSON.parse(run.stdout.toString()) as { streams: Array<{ codec_name: string; bit_rate?: string }>; format: { format_name: string; duration: string; bit_rate: string } };
    const stream = out.streams[0]!;
    return { format: out.format.format_name, codec: stream.codec_name, bitrate: Number(stream.bit_rate ?? out.format.bit_rate), durationMs: Number(out.format.duration) * 1000 };
  })();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-subsonic-media-'));
  s = await startE2eServer('subsonic_media', {
    env: { ...FAST_ARGON2_ENV, CHORUS_MEDIA_DIR: join(dir, 'media'), CHORUS_DATA_DIR: join(dir, 'data'), CHORUS_SIGNIN_ATTEMPTS_PER_ADDRESS: '1000' },
  });
  const library = join(dir, 'library');
  await writeLibrary(library, { 'a/01.flac': { format: 'flac', seconds: SECONDS, tags: TAGS, cover: 'green' } });
  media = await FolderMediaStore.open(join(dir, 'media'));
  expect((await scanLibrary({ events: s.store, media }, library, { concurrency: 1 })).failed).toStrictEqual([]);

  await signUp(s.api, 'ada', 'ada-account-password');
  const { client: admin } = await signIn(s.api, 'ada', 'ada-account-password');
  expect((await admin.put('/v1/me/subsonic-password', { password: 'ada-app-password' })).status).toBe(204);
  const created = await admin.post<{ userId: string }>('/v1/admin/users', { username: 'pia', password: 'pia-account-password', displayName: 'Pia', plan: 'premium', country: 'SE' });
  expect(created.status, created.text).toBe(201);
  premiumId = created.body.userId;
  const { client: pia } = await signIn(s.api, 'pia', 'pia-account-password');
  expect((await pia.put('/v1/me/subsonic-password', { password: 'pia-app-password' })).status).toBe(204);
  free = new SubsonicCaller(s.url, { u: 'ada', p: 'ada-app-password' });
  premium = new SubsonicCaller(s.url, { u: 'pia', p: 'pia-app-password' });

  await s.settle();
  const [row] = await s.sql.query<{ track_id: string; album_id: string; artist_id: string }>(`select track_id, album_id, artist_id from catalog_tracks where title = 'Lossless One'`);
  ({ track_id: trackId, album_id: albumId, artist_id: artistId } = row!);
  const [version] = await readdir(join(dir, 'media', 'tracks', trackId));
  folder = join(dir, 'media', 'tracks', trackId, version!);
}, 300_000);

afterAll(async () => {
  await s?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('stream', () => {
  it('sends a free listener the 128 kbps AAC rendition, a playable m4a, on GET and POST, /rest/stream and /rest/stream.view', async () => {
    const expected = await rendition('aac-128.m4a');
    for (const options of [{}, { view: true }, { post: true }, { post: true, view: true }]) {
      const r = await fetchMedia(free, 'stream', { id: trackId }, options);
      expect(r.status, JSON.stringify(options)).toBe(200);
      expect(r.headers.get('content-type')).toBe('audio/mp4');
      expect(r.headers.get('accept-ranges')).toBe('bytes');
      expect(Number(r.headers.get('content-length'))).toBe(expected.length);
      expect(r.bytes.equals(expected), JSON.stringify(options)).toBe(true);
    }
    const probed = await ffprobe((await fetchMedia(free, 'stream', { id: trackId })).bytes, 'free.m4a');
    expect(probed.format).toMatch(/mp4|m4a/);
    expect(probed.codec).toBe('aac');
    expect(Math.abs(probed.bitrate - 128_000)).toBeLessThan(20_000);
    expect(Math.abs(probed.durationMs - SECONDS * 1000)).toBeLessThan(100);
  });

  it('keeps a free listener at 128 kbps whatever maxBitRate or format asks', async () => {
    const low = await rendition('aac-128.m4a');
    for (const params of [{ maxBitRate: 320 }, { maxBitRate: 0 }, { format: 'raw' }, { format: 'mp3' }] as Array<Record<string, string | number>>) {
      expect((await fetchMedia(free, 'stream', { id: trackId, ...params })).bytes.equals(low), JSON.stringify(params)).toBe(true);
    }
  });

  it('gives a premium listener the lossless original by default and with format=raw, and the rendition maxBitRate picks', async () => {
    const original = await fetchMedia(premium, 'stream', { id: trackId });
    expect(original.headers.get('content-type')).toBe('audio/flac');
    expect(original.bytes.equals(await rendition('original.flac'))).toBe(true);
    expect((await fetchMedia(premium, 'stream', { id: trackId, format: 'raw' })).bytes.equals(original.bytes)).toBe(true);

    const capped = await fetchMedia(premium, 'stream', { id: trackId, maxBitRate: 192 });
    expect(capped.headers.get('content-type')).toBe('audio/mp4');
    expect(capped.bytes.equals(await rendition('aac-128.m4a'))).toBe(true);
    expect(Math.abs((await ffprobe(capped.bytes, 'capped.m4a')).bitrate - 128_000)).toBeLessThan(20_000);

    const high = await fetchMedia(premium, 'stream', { id: trackId, maxBitRate: 320 });
    expect(high.bytes.equals(await rendition('aac-320.m4a'))).toBe(true);
    const probed = await ffprobe(high.bytes, 'high.m4a');
    expect(probed.codec).toBe('aac');
    // ffmpeg's AAC encoder stays under its target on this clip: the bytes above name the file; here, it is the higher one.
    expect(probed.bitrate).toBeGreaterThan(1.5 * 128_000);
    // A format Chorus does not transcode to: the best AAC rendition, not the original.
    expect((await fetchMedia(premium, 'stream', { id: trackId, format: 'mp3' })).bytes.equals(high.bytes)).toBe(true);
  });

  it('answers Range with exactly the bytes asked (206), a suffix, and 416 past the end, as apps seek', async () => {
    const bytes = await rendition('aac-128.m4a');
    const size = bytes.length;
    for (const [range, first, last] of [
      ['bytes=0-0', 0, 0],
      ['bytes=1000-4999', 1000, 4999],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
    ] as const) {
      const r = await fetchMedia(free, 'stream', { id: trackId }, { headers: { range } });
      expect(r.status, range).toBe(206);
      expect(r.headers.get('content-range'), range).toBe(`bytes ${first}-${last}/${size}`);
      expect(r.bytes.equals(bytes.subarray(first, last + 1)), range).toBe(true);
    }
    const past = await fetchMedia(free, 'stream', { id: trackId }, { headers: { range: `bytes=${size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(past.bytes.length).toBe(0);
  });

  it('ignores timeOffset (the whole file; apps seek with Range) and never counts a play', async () => {
    const r = await fetchMedia(premium, 'stream', { id: trackId, maxBitRate: 128, timeOffset: 3 });
    expect(r.bytes.equals(await rendition('aac-128.m4a'))).toBe(true);
    await s.settle();
    expect(await s.stream(`listens-${premiumId}`)).toEqual([]);
  });

  it('fails in the envelope: 10 without id, 70 for an unknown song and a song without audio, 0 for a bad maxBitRate', async () => {
    await free.failed(10, 'stream', {});
    await free.failed(70, 'stream', { id: 'no-such-track' });
    await free.failed(70, 'stream', { id: 'demo-track-0-1' });
    await free.failed(0, 'stream', { id: trackId, maxBitRate: 'fast' });
    await free.failed(0, 'stream', { id: trackId, maxBitRate: -1 });
    await free.as({ u: 'ada', p: 'wrong' }).failed(40, 'stream', { id: trackId });
  });
});

describe('download', () => {
  it('gives a premium listener the original, as an attachment; a free listener the best their plan allows', async () => {
    const original = await fetchMedia(premium, 'download', { id: trackId }, { view: true });
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('audio/flac');
    expect(original.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${trackId}.flac`);
    expect(original.bytes.equals(await rendition('original.flac'))).toBe(true);
    const probed = await ffprobe(original.bytes, 'original.flac');
    expect(probed.codec).toBe('flac');

    const lossy = await fetchMedia(free, 'download', { id: trackId }, { post: true });
    expect(lossy.headers.get('content-type')).toBe('audio/mp4');
    expect(lossy.bytes.equals(await rendition('aac-128.m4a'))).toBe(true);
    await free.failed(70, 'download', { id: 'no-such-track' });
    await free.failed(10, 'download', {});
  });
});

describe('getCoverArt', () => {
  it('resizes to the size asked on the ladder (the next size up otherwise), and sends the original without size', async () => {
    for (const [asked, served] of [
      [300, 300],
      [100, 128],
      [5000, 500], // never larger than the original
    ] as const) {
      const r = await fetchMedia(free, 'getCoverArt', { id: albumId, size: asked });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/jpeg');
      const meta = await sharp(r.bytes).metadata();
      expect({ asked, format: meta.format, width: meta.width, height: meta.height }).toEqual({ asked, format: 'jpeg', width: served, height: served });
    }
    const original = await fetchMedia(free, 'getCoverArt', { id: albumId }, { post: true, view: true });
    expect(original.status).toBe(200);
    expect((await sharp(original.bytes).metadata()).width).toBe(500);
    // A song's id names its album's cover (some apps ask by song).
    expect((await fetchMedia(free, 'getCoverArt', { id: trackId, size: 300 })).bytes.equals((await fetchMedia(free, 'getCoverArt', { id: albumId, size: 300 })).bytes)).toBe(true);
  });

  it('gives the cover art id getAlbum and getSong name', async () => {
    expect((await free.ok('getAlbum', { id: albumId })).album).toMatchObject({ coverArt: albumId });
    const coverArt = ((await free.ok('getSong', { id: trackId })).song as { coverArt: string }).coverArt;
    expect((await fetchMedia(free, 'getCoverArt', { id: coverArt, size: 64 })).status).toBe(200);
  });

  it('fails in the envelope: 70 for an unknown id and an album without cover, 10 without id, 0 for a bad size', async () => {
    await free.failed(70, 'getCoverArt', { id: 'no-such-album' });
    await free.failed(70, 'getCoverArt', { id: 'demo-album-0' });
    await free.failed(10, 'getCoverArt', {});
    await free.failed(0, 'getCoverArt', { id: albumId, size: 'big' });
  });
});

describe('the subsonic-api client', () => {
  it('streams, downloads and fetches cover art (GET and form POST), and reads a failure as status "failed"', async () => {
    for (const post of [false, true]) {
      const api = new SubsonicAPI({ url: s.url, auth: { username: 'ada', password: 'ada-app-password' }, post });
      const streamed = await api.stream({ id: trackId, maxBitRate: 128 });
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get('content-type')).toBe('audio/mp4');
      expect(Buffer.from(await streamed.arrayBuffer()).equals(await rendition('aac-128.m4a'))).toBe(true);
      const downloaded = await api.download({ id: trackId });
      expect((await downloaded.arrayBuffer()).byteLength).toBe((await rendition('aac-128.m4a')).length);
      const cover = await api.getCoverArt({ id: albumId, size: 256 });
      expect(cover.headers.get('content-type')).toBe('image/jpeg');
      expect((await sharp(Buffer.from(await cover.arrayBuffer())).metadata()).width).toBe(256);
      const failed = (await (await api.stream({ id: 'no-such-track' })).json()) as { 'subsonic-response': { status: string; error: { code: number } } };
      expect(failed['subsonic-response']).toMatchObject({ status: 'failed', error: { code: 70 } });
    }
  });
});

describe('rights', () => {
  it('refuses a song outside the listener\'s markets with 50, and plays it again once the limit is lifted', async () => {
    const limit = (markets: string[] | null) =>
      handleCommand(s.store, catalogDecider, catalogStream(artistId), { type: 'ChangeTrackAvailability', artistId, trackId, available: true, markets, reason: 'markets-changed', at: new Date().toISOString() }, { actorId: 'test' });
    await limit(['NO']);
    await s.settle();
    // A failure is an HTTP 200 too, with the envelope (XML) instead of audio.
    await until(async () => (await fetchMedia(premium, 'stream', { id: trackId })).headers.get('content-type')?.startsWith('text/xml') === true);
    await premium.failed(50, 'stream', { id: trackId });
    await premium.failed(50, 'download', { id: trackId });
    await limit(null);
    await s.settle();
    await until(async () => (await fetchMedia(premium, 'stream', { id: trackId })).headers.get('content-type') === 'audio/flac');
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the read models did not catch up within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
