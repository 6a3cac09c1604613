/**
 * A real browser for the tests in tests/browser/: Debian's headless Chromium driven by
 * playwright-core (no downloaded browser). One browser per test file; each user or device is a
 * context of its own (separate cookies, storage, IndexedDB). Playwright starts the browser on a
 * fresh temporary profile and removes it afterwards.
 *
 * Pages are watched: uncaught errors, console errors and Content-Security-Policy violations are
 * collected, and `expectClean(page)` fails a test that caused any.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Where screenshots go (not committed: see .gitignore). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'browser');

export interface LaunchOptions {
  /** Media may start without a click (a device that playback is transferred to). */
  autoplay?: boolean;
}

export interface TestBrowser {
  browser: Browser;
  /** A new context (a person, or a device), with problems of its pages recorded. */
  context(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A new page in a new context. */
  page(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

const problems = new WeakMap<Page, string[]>();

/** What went wrong in a page so far: page errors, console errors, CSP violations. */
export function pageProblems(page: Page): string[] {
  return problems.get(page) ?? [];
}

function watch(page: Page): void {
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (error) => list.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // A refused WebSocket upgrade or a failed fetch is logged by the browser itself; the tests
    // that cause one on purpose assert what the page shows instead.
    if (/WebSocket connection to .* failed|Failed to load resource/.test(text)) return;
    list.push(`console error: ${text}`);
  });
}

/**
 * The browser globals that functions run in a page use. The tests compile without the DOM
 * library (they are Node code); a function given to `page.evaluate` casts `globalThis` to this.
 */
export interface InPage {
  document: { addEventListener(type: string, listener: (event: { violatedDirective: string; blockedURI: string }) => void): void };
  location: { protocol: string };
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  scrollTo(x: number, y: number): void;
}

/** CSP violations are reported to the page as events: log them, so `watch` records them. */
function reportViolations(): void {
  (globalThis as unknown as InPage).document.addEventListener('securitypolicyviolation', (event) => {
    console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`);
  });
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  if (!chromiumAvailable()) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (npm test installs it) or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.autoplay ? ['--autoplay-policy=no-user-gesture-required'] : [])],
  });
  const context = async (contextOptions: BrowserContextOptions = {}) => {
    const created = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
    await created.addInitScript(reportViolations);
    created.on('page', watch);
    return created;
  };
  return {
    browser,
    context,
    async page(contextOptions) {
      const created = await context(contextOptions);
      return created.newPage();
    },
    close: () => browser.close(),
  };
}

/** Saves a screenshot of the page as test-results/browser/<name>.png (for a person to look at). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
