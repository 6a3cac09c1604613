/**
 * The player in a real browser, on real ffmpeg output: a library of generated clips scanned into
 * the server; an album played from its page (HLS natively where the browser says it can, else
 * through hls.js; both paths, the second in a page whose canPlayType says no: the audio
 * element's time advances), a seek with the keyboard on the position slider, next and previous,
 * the volume normalised from the recorded loudness, the lock-screen metadata, the queue and the
 * songs similar to the one playing; then playback moved from one browser of a user to another
 * with the device picker, at the position reached. And the progressive file (AAC in MP4) of a
 * signed stream URL played by a plain audio element, with a seek.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLibrary } from '../../application/library/scan.js';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { startE2eServer, uniqueUser, type E2eServer } from '../e2e/support/server.js';
import { writeLibrary } from '../support/library.js';
import { capture, expectClean, keepDiagnosticsOnFailure, recordedBrowser, signedIn } from './support/client.js';
import type { RecordedBrowser } from './support/recorder.js';

const SOON = { timeout: 15_000, interval: 100 };
const tags = (title: string, track: number) => ({ artist: 'The Test Tones', album: 'Sine Waves', title, track: String(track), date: '2023' });

let server: E2eServer;
let browser: RecordedBrowser;
let dir: string;
let albumId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-web-player-'));
  [server, browser] = await Promise.all([
    startE2eServer('web_player', { env: { CHORUS_MEDIA_DIR: join(dir, 'media'), CHORUS_DATA_DIR: join(dir, 'data') } }),
    recordedBrowser({ autoplay: true }),
  ]);
  const library = join(dir, 'library');
  await writeLibrary(library, {
    'tones/01.mp3': { format: 'mp3', seconds: 20, frequency: 440, tags: tags('First Tone', 1), cover: 'green' },
    'tones/02.mp3': { format: 'mp3', seconds: 20, frequency: 660, tags: tags('Second Tone', 2), cover: 'green' },
  });
  const media = await FolderMediaStore.open(join(dir, 'media'));
  const summary = await scanLibrary({ events: server.store, media }, library, { concurrency: 2 });
  expect(summary.failed).toStrictEqual([]);
  await server.settle();
  const [row] = await server.sql.query<{ album_id: string }>(`select album_id from catalog_albums where title = 'Sine Waves'`);
  albumId = row!.album_id;
  // Two listeners who heard both songs in one sitting: each is the other's similar song.
  const songs = await server.sql.query<{ id: string }>(`select track_id as id from catalog_tracks where album_id = $1 order by track_number`, [albumId]);
  for (const name of ['fan-a', 'fan-b']) {
    const fan = await server.login(uniqueUser(name));
    for (const song of songs) expect((await fan.post('/v1/me/plays', { trackId: song.id, msPlayed: 20_000 })).status).toBe(202);
  }
  await server.settle();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

keepDiagnosticsOnFailure('player', () => browser);

/** The page's audio element: where it is (s), whether it plays, its volume, its source. */
function audio(page: Page): Promise<{ time: number; paused: boolean; volume: number; src: string }> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as { document: { getElementById(id: string): { currentTime: number; paused: boolean; volume: number; currentSrc: string } } }).document.getElementById('chorus-audio');
    return { time: el.currentTime, paused: el.paused, volume: el.volume, src: el.currentSrc };
  });
}

/** Whether the page loaded hls.js (its own chunk, fetched on first play when needed). */
function hlsChunkLoaded(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    (globalThis as unknown as { performance: { getEntriesByType(t: string): { name: string }[] } }).performance.getEntriesByType('resource').some((e) => /\/assets\/hls\.light-/.test(e.name)),
  );
}

interface ProgressiveAudio {
  id: string;
  src: string;
  currentSrc: string;
  currentTime: number;
  duration: number;
  paused: boolean;
  error: { code: number } | null;
  play(): Promise<void>;
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
}

/** The page globals the progressive-stream test uses (the tests compile without the DOM library). */
interface ProgressivePage {
  document: { createElement(tag: 'audio'): ProgressiveAudio; getElementById(id: string): ProgressiveAudio; body: { appendChild(el: unknown): void } };
}

/** The plain audio element of the progressive-stream test. */
function progressive(page: Page): Promise<{ time: number; duration: number; paused: boolean; error: number | null; src: string }> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as ProgressivePage).document.getElementById('progressive-audio');
    return { time: el.currentTime, duration: el.duration, paused: el.paused, error: el.error?.code ?? null, src: el.currentSrc };
  });
}

const nowPlaying = (page: Page) => page.locator('.player-title').innerText();

describe('the player', () => {
  it('plays an album over HLS: time advances, seek, next and previous, normalised volume, lock-screen metadata, the queue and similar songs', async () => {
    const person = await signedIn(browser, server, uniqueUser('listener'), 'Lou', `/album/${albumId}`);
    const page = person.page;
    await page.getByRole('heading', { level: 1, name: 'Sine Waves' }).waitFor();
    // The album's cover art is the server's.
    await expect.poll(() => page.locator('img.cover-large').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), SOON).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Play', exact: true }).first().click();
    await expect.poll(() => nowPlaying(page), SOON).toBe('First Tone');
    await expect.poll(async () => (await audio(page)).time, SOON).toBeGreaterThan(1);
    const playing = await audio(page);
    expect(playing.paused).toBe(false);
    // A browser that says it plays HLS (Safari; this Chromium too, when it answers "maybe") is
    // given the master playlist itself; others get hls.js, which feeds the element through
    // Media Source (a blob: URL). The next test forces the hls.js path.
    const native = await page.evaluate(() => new (globalThis as unknown as { Audio: new () => { canPlayType(t: string): string } }).Audio().canPlayType('application/vnd.apple.mpegurl'));
    expect(playing.src).toMatch(native ? /\.m3u8$/ : /^blob:/);
    expect(await hlsChunkLoaded(page)).toBe(!native);

    // The volume follows the recorded loudness (a full-scale tone is far louder than -14 LUFS).
    const album = await person.api.get<{ tracks: { id: string }[] }>(`/v1/albums/${albumId}`);
    const first = await person.api.get<{ loudness?: { integratedLufs: number } }>(`/v1/tracks/${album.body.tracks[0]!.id}`);
    const lufs = first.body.loudness?.integratedLufs;
    expect(lufs).toBeTypeOf('number');
    expect(playing.volume).toBeCloseTo(Math.min(1, 10 ** ((-14 - lufs!) / 20)), 2);

    // Lock-screen controls know what plays.
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { mediaSession: { metadata: { title: string; artist: string } | null } } }).navigator.mediaSession.metadata?.title)).toBe('First Tone');

    // Seek with the keyboard: each arrow press moves a second; the element follows.
    const before = (await audio(page)).time;
    const slider = page.getByRole('slider', { name: 'Position' });
    await slider.focus();
    for (let i = 0; i < 8; i += 1) await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await audio(page)).time, SOON).toBeGreaterThan(before + 6);
    // The shared state took the seek too.
    await expect.poll(async () => (await person.api.get<{ positionMs: number }>('/v1/me/player')).body.positionMs, SOON).toBeGreaterThan((before + 6) * 1000);

    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => nowPlaying(page), SOON).toBe('Second Tone');
    await expect.poll(async () => (await audio(page)).time, SOON).toBeGreaterThan(3.5);
    // Previous past the first 3 s restarts the song; pressed again at once, it goes back a song.
    // (The server decides by the shared position, which a slow start of the song on a busy
    // machine can leave behind the element's: waited for too.)
    await expect.poll(async () => (await person.api.get<{ positionMs: number }>('/v1/me/player')).body.positionMs, SOON).toBeGreaterThan(3_500);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(async () => (await audio(page)).time, SOON).toBeLessThan(3);
    expect(await nowPlaying(page)).toBe('Second Tone');
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => nowPlaying(page), SOON).toBe('First Tone');

    // Add a song to the queue from the album's rows; the queue panel shows it next.
    await page.getByRole('button', { name: 'Add Second Tone to the queue' }).click();
    await page.getByRole('button', { name: 'Queue', exact: true }).click();
    const queue = page.getByRole('region', { name: 'Queue' });
    await queue.getByRole('list', { name: 'Next in queue' }).getByText('Second Tone').waitFor();
    await queue.getByRole('list', { name: 'Now playing' }).getByText('First Tone').waitFor();
    // Songs similar to the one playing (co-listened), to play or queue from there.
    await queue.getByRole('list', { name: 'Similar to First Tone' }).getByText('Second Tone').waitFor();
    await capture(page, 'player-queue');

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(async () => (await audio(page)).paused, SOON).toBe(true);
    expectClean(page);
    await person.context.close();
  });

  it('plays through hls.js where the browser has no native HLS (canPlayType answers no), seek included', async () => {
    const person = await signedIn(browser, server, uniqueUser('no-native-hls'), 'Nia');
    // A browser without native HLS, as Chrome and Firefox were: the answer a Media Source-only browser gives.
    await person.context.addInitScript(() => {
      const proto = (globalThis as unknown as { HTMLMediaElement: { prototype: { canPlayType(t: string): string } } }).HTMLMediaElement.prototype;
      const original = proto.canPlayType;
      proto.canPlayType = function (this: unknown, type: string) {
        return /mpegurl/i.test(type) ? '' : original.call(this, type);
      };
    });
    const page = person.page;
    await page.goto(`${server.url}/album/${albumId}`);
    await page.getByRole('heading', { level: 1, name: 'Sine Waves' }).waitFor();
    await page.getByRole('button', { name: 'Play', exact: true }).first().click();
    await expect.poll(async () => (await audio(page)).time, SOON).toBeGreaterThan(1);
    expect((await audio(page)).src).toMatch(/^blob:/);
    expect(await hlsChunkLoaded(page)).toBe(true);
    const before = (await audio(page)).time;
    const slider = page.getByRole('slider', { name: 'Position' });
    await slider.focus();
    for (let i = 0; i < 8; i += 1) await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await audio(page)).time, SOON).toBeGreaterThan(before + 6);
    await page.getByRole('button', { name: 'Pause' }).click();
    expectClean(page);
    await person.context.close();
  });

  it('plays the progressive stream (AAC in MP4) in a plain audio element: time advances, a seek lands and playback goes on', async () => {
    const page = await browser.page();
    try {
      await page.goto(server.url);
      const aac = 'audio/mp4; codecs="mp4a.40.2"';
      const decodes = await page.evaluate((type) => (globalThis as unknown as { MediaSource: { isTypeSupported(t: string): boolean } }).MediaSource.isTypeSupported(type), aac);
      expect(decodes, `this Chromium cannot play ${aac} (MediaSource.isTypeSupported says no): it was built without the proprietary codecs; use Debian's chromium package or set CHROMIUM_PATH to a build with AAC`).toBe(true);

      // The signed progressive URL, as a player gets it (a free plan: the low quality).
      const api = await server.login(uniqueUser('progressive'));
      const album = await api.get<{ tracks: { id: string }[] }>(`/v1/albums/${albumId}`);
      const offer = await api.get<{ url: string; codec: string; mimeType: string; quality: string; durationMs: number }>(`/v1/tracks/${album.body.tracks[0]!.id}/stream?quality=low`);
      expect(offer.status).toBe(200);
      expect(offer.body).toMatchObject({ quality: 'low', codec: 'mp4a.40.2', mimeType: 'audio/mp4' });
      expect(offer.body.url).toMatch(/^\/media\/[^/]+\/[^/]+\/.+\.m4a$/);
      const media: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === offer.body.url) media.push(response.status());
      });

      await page.evaluate((src) => {
        const g = globalThis as unknown as ProgressivePage;
        const el = g.document.createElement('audio');
        el.id = 'progressive-audio';
        el.src = src;
        g.document.body.appendChild(el);
        void el.play();
      }, `${server.url}${offer.body.url}`);
      const el = () => progressive(page);
      const LONG = { timeout: 60_000, interval: 100 };
      await expect.poll(async () => (await el()).time, LONG).toBeGreaterThanOrEqual(3);
      const started = await el();
      expect(started).toMatchObject({ paused: false, error: null });
      expect(started.src).toBe(`${server.url}${offer.body.url}`);
      expect(started.duration).toBeCloseTo(offer.body.durationMs / 1000, 0);
      // The element asked for ranges, and the server answered them.
      expect(media).toContain(206);

      // Seek to the middle: the element lands there and plays on from it.
      const target = Math.floor(started.duration / 2);
      await page.evaluate((to) => {
        const audio = (globalThis as unknown as ProgressivePage).document.getElementById('progressive-audio');
        audio.addEventListener('seeked', () => ((globalThis as unknown as { __seekedAt: number }).__seekedAt = audio.currentTime), { once: true });
        audio.currentTime = to;
      }, target);
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __seekedAt?: number }).__seekedAt), LONG).toBeTypeOf('number');
      const landed = await page.evaluate(() => (globalThis as unknown as { __seekedAt: number }).__seekedAt);
      expect(Math.abs(landed - target)).toBeLessThan(0.5);
      await expect.poll(async () => (await el()).time, LONG).toBeGreaterThan(target + 1.5);
      expect(await el()).toMatchObject({ paused: false, error: null });
      expectClean(page);
    } finally {
      await page.context().close();
    }
  });

  it('moves playback to another browser of the same user with the device picker, at the position reached', async () => {
    const userId = uniqueUser('two-devices');
    const laptop = await signedIn(browser, server, userId, 'Dee', `/album/${albumId}`);
    const phone = await signedIn(browser, server, userId, 'Dee', '/');
    await laptop.page.getByRole('heading', { level: 1, name: 'Sine Waves' }).waitFor();
    await laptop.page.getByRole('button', { name: 'Play', exact: true }).first().click();
    await expect.poll(async () => (await audio(laptop.page)).time, SOON).toBeGreaterThan(2);

    // The phone sees what plays and where.
    await expect.poll(() => nowPlaying(phone.page), SOON).toBe('First Tone');
    await phone.page.getByText(/Playing on Chrome/).waitFor();
    expect((await audio(phone.page)).paused).toBe(true);

    // From the phone, move playback to itself.
    await phone.page.getByRole('button', { name: 'Devices', exact: true }).click();
    const picker = phone.page.getByRole('region', { name: 'Devices' });
    await picker.getByRole('button', { name: /^Play on This browser/ }).click();
    await expect.poll(async () => (await audio(phone.page)).paused, SOON).toBe(false);
    const reached = (await audio(phone.page)).time;
    expect(reached).toBeGreaterThan(1.5);
    // The laptop stops and says where it plays now.
    await expect.poll(async () => (await audio(laptop.page)).paused, SOON).toBe(true);
    await laptop.page.getByText(/Playing on Chrome/).waitFor();
    await expect.poll(async () => (await audio(phone.page)).time, SOON).toBeGreaterThan(reached + 0.5);
    expect(await nowPlaying(phone.page)).toBe('First Tone');
    await capture(phone.page, 'player-devices');

    // And back, from the laptop's picker.
    await laptop.page.getByRole('button', { name: 'Devices', exact: true }).click();
    await laptop.page.getByRole('region', { name: 'Devices' }).getByRole('button', { name: /^Play on This browser/ }).click();
    await expect.poll(async () => (await audio(laptop.page)).paused, SOON).toBe(false);
    await expect.poll(async () => (await audio(phone.page)).paused, SOON).toBe(true);
    expectClean(laptop.page);
    expectClean(phone.page);
    await laptop.context.close();
    await phone.context.close();
  });
});
