/**
 * Timings of the web client in headless Chromium, taken inside the page against the navigation's
 * start (performance.now()): when the first screen is on the page and answers input (the client
 * renders and attaches its handlers in one synchronous pass, so its main heading appearing is the
 * moment it is interactive), and when every section of the screen has its data.
 */
import type { BrowserContext, Page } from 'playwright-core';

/**
 * Installed in every page before its scripts: notes when a main heading (or the sign-in form)
 * first appears. A string, not a function: the runner's transpiler may wrap named functions in
 * helpers the page does not have.
 */
export const WATCH_FIRST_SCREEN = `
  (() => {
    const check = () => {
      if (window.__firstScreen === undefined && document.querySelector('main h1, main input')) window.__firstScreen = performance.now();
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true });
  })();
`;

export interface ScreenTiming {
  /** Navigation start to the screen's heading on the page, interactive (ms). */
  firstScreen: number;
  /** Navigation start to every section loaded: no loading line left (ms). */
  complete: number;
  /** Navigation start to `ready` (a selector) on the page, when asked for (ms). */
  ready?: number;
  /** `ready` was asked for and did not show within the time allowed. */
  notReady?: boolean;
}

/** How long `ready` may take to show (ms). */
export const READY_TIMEOUT_MS = Number(process.env.BENCH_WEB_READY_TIMEOUT_MS ?? 30_000);

/** Loads `url` in `page` and times its first screen (and, given `ready`, when that selector shows). */
export async function timeScreen(page: Page, url: string, ready?: string): Promise<ScreenTiming> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => (globalThis as unknown as { __firstScreen?: number }).__firstScreen !== undefined, undefined, { polling: 5, timeout: 30_000 });
  await page.waitForFunction(
    () => {
      const g = globalThis as unknown as { document: { querySelector(s: string): unknown } };
      return g.document.querySelector('main h1, main input') !== null && g.document.querySelector('.loading') === null;
    },
    undefined,
    { polling: 5, timeout: 30_000 },
  );
  const now = () => page.evaluate(() => (globalThis as unknown as { performance: { now(): number } }).performance.now());
  const complete = await now();
  const firstScreen = await page.evaluate(() => (globalThis as unknown as { __firstScreen: number }).__firstScreen);
  if (ready === undefined) return { firstScreen, complete };
  const shown = await page.waitForSelector(ready, { timeout: READY_TIMEOUT_MS }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof Error && error.name === 'TimeoutError') return false;
      throw error;
    },
  );
  return shown ? { firstScreen, complete, ready: await now() } : { firstScreen, complete, notReady: true };
}

/** From a click on a link to the new screen's `selector` on the page (ms, both moments taken in the page). */
export async function timeClick(page: Page, linkName: string, selector: string): Promise<number> {
  const link = page.getByRole('link', { name: linkName, exact: true }).first();
  await link.evaluate((element, wanted) => {
    const g = globalThis as unknown as {
      document: { querySelector(s: string): unknown; documentElement: object };
      MutationObserver: new (f: () => void) => { observe(t: object, o: object): void; disconnect(): void };
      performance: { now(): number };
      __clicked?: number;
      __appeared?: number;
    };
    g.__clicked = undefined;
    g.__appeared = undefined;
    const observer = new g.MutationObserver(() => {
      if (g.__clicked !== undefined && g.document.querySelector(wanted)) {
        g.__appeared = g.performance.now();
        observer.disconnect();
      }
    });
    observer.observe(g.document, { subtree: true, childList: true });
    element.addEventListener('click', () => (g.__clicked = g.performance.now()), { once: true, capture: true });
  }, selector);
  await link.click();
  await page.waitForFunction(() => (globalThis as unknown as { __appeared?: number }).__appeared !== undefined, undefined, { polling: 5, timeout: 10_000 });
  return page.evaluate(() => {
    const g = globalThis as unknown as { __clicked: number; __appeared: number };
    return g.__appeared - g.__clicked;
  });
}

/** A new context with `session` in localStorage (signed in), or signed out when undefined. */
export async function newContext(
  browser: { newContext(o: object): Promise<BrowserContext> },
  session: object | undefined,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript({ content: WATCH_FIRST_SCREEN });
  if (session) {
    await context.addInitScript((value) => {
      const g = globalThis as unknown as { location: { protocol: string }; localStorage: { setItem(k: string, v: string): void } };
      if (g.location.protocol.startsWith('http')) g.localStorage.setItem('chorus.session', value);
    }, JSON.stringify(session));
  }
  return context;
}
