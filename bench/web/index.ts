/**
 * `npm run bench -- web`: the web client's size and speed on loopback.
 *
 * - Bundle: the gzip size of what the first screen loads (page, entry script, styles) and of the
 *   chunks loaded later (the playlist editor's Yjs, the player), from the build's manifest.
 * - Time to first interactive screen: Chorus started as `npm start` does (embedded, demo catalog),
 *   a user with playlists, a friend and plays, and headless Chromium loading the screens. Each
 *   "cold" run is a new browser context (empty HTTP cache, no storage); "warm" reloads in one
 *   context (assets from the cache). Timings are taken in the page from the navigation's start.
 *   The playlist is also timed until its live document is attached and editable (badge: Live).
 *   Target: every cold screen's first screen interactive within 1 s at p95.
 * - A cold run whose `ready` selector does not show in time (the playlist not live) is counted,
 *   not fatal, and keeps what the browser saw (console, errors, requests, WebSocket frames and
 *   close codes, the page) under test-results/web-diagnostics/.
 * - `BENCH_WEB_RUNS` (20): runs per screen; `BENCH_WEB_SCREENS`: a comma list of the screens to
 *   measure (sign-in, home, home-warm, album, playlist, floor, screen-change; all by default — a
 *   partial run does not write bench/results/web.json); `BENCH_WEB_READY_TIMEOUT_MS` (30,000);
 *   `BENCH_WEB_CPU_THROTTLE`: slows each page's CPU by this factor (devtools emulation; to bring
 *   out timing races, not for figures — such a run does not write results either).
 * - The peer, in the same run: the floor — a page of one heading drawn by one small script file,
 *   from a bare node:http server on loopback, timed the same way. What is above it is the client.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../tests/support/browser.js';
import { startChorusProcess } from '../../tests/support/process.js';
import { ensureWebBuild, readManifest, WEB_DIST } from '../../web/build.js';
import { beginRun } from '../lib/run-context.js';
import { log, target, writeResults } from '../lib/results.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { formatMs, formatTable } from '../lib/table.js';
import { liveFacts, Recorder } from '../../tests/browser/support/recorder.js';
import { newContext, READY_TIMEOUT_MS, timeClick, timeScreen, type ScreenTiming } from './measure.js';

const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 20);
const SCREENS = ['sign-in', 'home', 'home-warm', 'album', 'playlist', 'floor', 'screen-change'] as const;
const CHOSEN = process.env.BENCH_WEB_SCREENS ? process.env.BENCH_WEB_SCREENS.split(',').map((s) => s.trim()) : [...SCREENS];
for (const name of CHOSEN) if (!(SCREENS as readonly string[]).includes(name)) throw new Error(`BENCH_WEB_SCREENS: no screen ${name} (${SCREENS.join(', ')})`);
const chosen = (name: (typeof SCREENS)[number]) => CHOSEN.includes(name);
const CPU_THROTTLE = Number(process.env.BENCH_WEB_CPU_THROTTLE ?? 1);
const TARGET_MS = 1_000;

interface Scenario {
  name: string;
  firstScreen: LatencySummary;
  complete: LatencySummary;
  /** The playlist: until its live document is attached and editable (the badge says Live). */
  editable?: LatencySummary;
  /** Runs whose `ready` selector did not show within BENCH_WEB_READY_TIMEOUT_MS. */
  notReady?: number;
}

async function bundle() {
  const manifest = await readManifest();
  if (!manifest) throw new Error('no web build manifest');
  const page = await readFile(join(WEB_DIST, 'index.html'), 'utf8');
  const initialFiles = ['index.html', ...[...page.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!)];
  const sum = (names: string[], key: 'bytes' | 'gzip' | 'brotli') => names.reduce((total, n) => total + (manifest.files[n]?.[key] ?? 0), 0);
  const lazyFiles = Object.keys(manifest.files).filter((n) => n.endsWith('.js') && !initialFiles.includes(n));
  return {
    initial: { files: initialFiles, bytes: sum(initialFiles, 'bytes'), gzip: sum(initialFiles, 'gzip'), brotli: sum(initialFiles, 'brotli') },
    lazy: lazyFiles.map((n) => ({ file: n, ...manifest.files[n]! })),
    total: { gzip: sum(Object.keys(manifest.files), 'gzip') },
  };
}

/** A bare page: one heading drawn by one script file, from node:http (the floor). */
async function floorServer(): Promise<{ url: string; close(): Promise<void> }> {
  const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title><script type="module" src="/floor.js"></script></head><body><main></main></body></html>';
  const script = "document.querySelector('main').innerHTML = '<h1>Floor</h1>';";
  const server = createServer((request, response) => {
    if (request.url === '/floor.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function cold(browser: Browser, session: object | undefined, url: string, name: string, ready?: string): Promise<ScreenTiming[]> {
  const timings: ScreenTiming[] = [];
  for (let i = 0; i < RUNS + 1; i += 1) {
    const context = await newContext(browser, session);
    const recorder = new Recorder();
    await recorder.attach(context);
    const page = await context.newPage();
    if (CPU_THROTTLE > 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLE });
    const keep = async (why: string, facts: Record<string, unknown>) => {
      const dir = await recorder.save(`bench-${name}-${new Date().toISOString()}-run-${i}`, [page], { url, ready, why, run: i, ...facts });
      log(`run ${i}: ${why}; diagnostics in ${dir}`);
    };
    try {
      const timing = await timeScreen(page, url, ready);
      if (timing.notReady) await keep(`${ready} not shown within ${READY_TIMEOUT_MS} ms`, { timing, ...(await liveFacts(page)) });
      if (i > 0) timings.push(timing); // the first run warms the browser process itself
      if ((i + 1) % 25 === 0) log(`${name}: ${i + 1} runs, ${timings.filter((t) => t.notReady).length} not ready`);
    } catch (error) {
      await keep(`failed: ${String(error)}`, {});
      throw error;
    } finally {
      await context.close();
    }
  }
  return timings;
}

async function warm(browser: Browser, session: object, url: string): Promise<ScreenTiming[]> {
  const context = await newContext(browser, session);
  const page = await context.newPage();
  await timeScreen(page, url);
  const timings: ScreenTiming[] = [];
  for (let i = 0; i < RUNS; i += 1) timings.push(await timeScreen(page, url));
  await context.close();
  return timings;
}

async function repeat(page: Page, times: number, measure: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i += 1) out.push(await measure());
  void page;
  return out;
}

const scenario = (name: string, timings: ScreenTiming[]): Scenario => ({
  name,
  firstScreen: summarize(timings.map((t) => t.firstScreen)),
  complete: summarize(timings.map((t) => t.complete)),
  ...(timings.some((t) => t.ready !== undefined) ? { editable: summarize(timings.flatMap((t) => (t.ready === undefined ? [] : [t.ready]))) } : {}),
  ...(timings.some((t) => t.notReady) ? { notReady: timings.filter((t) => t.notReady).length } : {}),
});

interface Api {
  post<T>(path: string, body: unknown, token?: string): Promise<T>;
  put(path: string, body: unknown, token: string): Promise<void>;
}

function api(base: string): Api {
  const call = async (method: string, path: string, body: unknown, token?: string) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };
  return {
    post: (path, body, token) => call('POST', path, body, token) as never,
    put: async (path, body, token) => void (await call('PUT', path, body, token)),
  };
}

/** A listener with playlists, a friend who plays, plays of their own (every home section has content). */
async function world(base: string): Promise<{ session: object; playlistId: string }> {
  const client = api(base);
  const me = await client.post<{ token: string }>('/v1/auth/dev-token', { userId: 'bench-listener', displayName: 'Bench Listener' });
  const friend = await client.post<{ token: string }>('/v1/auth/dev-token', { userId: 'bench-friend', displayName: 'Bench Friend' });
  await client.put('/v1/me/following/users/bench-friend', undefined, me.token);
  const tracks = Array.from({ length: 4 }, (_, i) => `demo-track-0-${i + 1}`);
  for (const trackId of tracks) {
    await client.post('/v1/me/plays', { trackId, msPlayed: 60_000 }, friend.token);
    await client.post('/v1/me/plays', { trackId, msPlayed: 60_000 }, me.token);
  }
  let playlistId = '';
  for (let i = 0; i < 3; i += 1) {
    const created = await client.post<{ id: string }>('/v1/playlists', { name: `Bench playlist ${i + 1}`, collaborative: true }, me.token);
    await client.post(`/v1/playlists/${created.id}/items`, { trackIds: [...tracks, ...tracks] }, me.token);
    playlistId ||= created.id;
  }
  return { session: { userId: 'bench-listener', displayName: 'Bench Listener', accessToken: me.token }, playlistId };
}

export async function run(): Promise<void> {
  const runContext = await beginRun(['web', 'http/web.ts']);
  const built = await ensureWebBuild({ log });
  if (!built.dir) throw new Error(`web client: ${built.reason}`);
  const sizes = await bundle();
  log(`first screen loads ${sizes.initial.files.length} files, ${(sizes.initial.gzip / 1024).toFixed(1)} KiB gzip`);

  const dataDir = await mkdtemp(join(tmpdir(), 'chorus-bench-web-'));
  const chorus = await startChorusProcess({ CHORUS_DATA_DIR: dataDir }, 180_000);
  const floor = await floorServer();
  const browser = await launchBrowser();
  try {
    log(`Chorus (embedded, as npm start) at ${chorus.url}`);
    const { session, playlistId } = await world(chorus.url);
    const scenarios: Scenario[] = [];
    const measure = async (name: string, timings: Promise<ScreenTiming[]>) => {
      log(name);
      scenarios.push(scenario(name, await timings));
    };
    if (chosen('sign-in')) await measure('sign-in screen, cold', cold(browser.browser, undefined, chorus.url, 'sign-in'));
    if (chosen('home')) await measure('home, signed in, cold', cold(browser.browser, session, chorus.url, 'home'));
    if (chosen('home-warm')) await measure('home, signed in, warm', warm(browser.browser, session, chorus.url));
    if (chosen('album')) await measure('album page, cold', cold(browser.browser, session, `${chorus.url}/album/demo-album-0`, 'album'));
    if (chosen('playlist')) await measure('playlist (live editor), cold', cold(browser.browser, session, `${chorus.url}/playlist/${playlistId}`, 'playlist', '.live-badge.status-live'));
    if (chosen('floor')) await measure('floor: bare page, cold', cold(browser.browser, undefined, floor.url, 'floor'));

    let clicks: number[] = [];
    if (chosen('screen-change')) {
      log('screen change: Home -> Search');
      const context = await newContext(browser.browser, session);
      const page = await context.newPage();
      await timeScreen(page, chorus.url);
      clicks = await repeat(page, RUNS, async () => {
        const ms = await timeClick(page, 'Search', '#search-input');
        await page.goBack();
        await page.waitForSelector('main h1');
        return ms;
      });
      await context.close();
    }

    const floorScenario = scenarios.find((s) => s.name.startsWith('floor'));
    const targets = scenarios
      .filter((s) => s.name.endsWith(', cold') && !s.name.startsWith('floor'))
      .map((s) => target(`first screen interactive p95 < 1000 ms (${s.name})`, s.firstScreen.p95, '<', TARGET_MS));
    const table = formatTable(
      ['screen', 'first screen p50', 'p95', 'all sections p50', 'p95'],
      scenarios.map((s) => [s.name, formatMs(s.firstScreen.p50), formatMs(s.firstScreen.p95), formatMs(s.complete.p50), formatMs(s.complete.p95)]),
    );
    const clickSummary = summarize(clicks);
    const live = scenarios.find((s) => s.editable || s.notReady);
    console.error(`\n${table}\n`);
    if (clicks.length > 0) console.error(`screen change Home -> Search: p50 ${formatMs(clickSummary.p50)} ms, p95 ${formatMs(clickSummary.p95)} ms`);
    if (live?.editable) console.error(`playlist live and editable: p50 ${formatMs(live.editable.p50)} ms, p95 ${formatMs(live.editable.p95)} ms`);
    if (live) {
      targets.push(target(`playlist live within ${READY_TIMEOUT_MS} ms in every cold run (runs not live)`, live.notReady ?? 0, '<', 1));
    }
    console.error(
      `bundle: first screen ${(sizes.initial.gzip / 1024).toFixed(1)} KiB gzip (${(sizes.initial.brotli / 1024).toFixed(1)} KiB brotli), ` +
        `later chunks ${sizes.lazy.map((l) => `${l.file} ${(l.gzip / 1024).toFixed(1)} KiB`).join(', ')}; all ${(sizes.total.gzip / 1024).toFixed(1)} KiB gzip`,
    );
    for (const t of targets) console.error(`${t.met ? 'met' : 'MISSED'}: ${t.target} (${t.target.includes('runs not live') ? t.actual : `${formatMs(t.actual)} ms`})`);
    if (CHOSEN.length < SCREENS.length || CPU_THROTTLE > 1) {
      log(`a partial or throttled run: bench/results/web.json left as it is`);
      return;
    }
    await writeResults('web', {
      benchmark: 'web',
      ...runContext,
      runs: RUNS,
      bundle: sizes,
      scenarios,
      screenChange: { from: 'home', to: 'search', ...clickSummary },
      overFloorMs: Object.fromEntries(scenarios.filter((s) => s !== floorScenario).map((s) => [s.name, { firstScreenP50: s.firstScreen.p50 - floorScenario!.firstScreen.p50 }])),
      targets,
    });
  } finally {
    await browser.close();
    await floor.close();
    await chorus.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
