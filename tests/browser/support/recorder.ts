/**
 * What happened in a browser context, kept for a run that goes wrong (the bench of the web client
 * and the browser tests): every console line, page error, failed or refused request, WebSocket
 * (its frames, summarised, and how it closed: code, reason, clean or not), each with the time it
 * happened. `save` writes it beside a screenshot and the page's markup under test-results/ (not
 * committed) for a person to read.
 *
 * The close code of a WebSocket is not visible to Playwright: a script installed in every page
 * before the client's own wraps WebSocket and logs open, error and close (with code and reason)
 * to the console, which the recorder keeps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, BrowserContextOptions, Page, WebSocket } from 'playwright-core';
import type { TestBrowser } from '../../support/browser.js';

/** Where diagnostics go (not committed: see .gitignore). */
export const DIAGNOSTICS_DIR = join(process.cwd(), 'test-results', 'web-diagnostics');

/** Installed in every page: logs each WebSocket's life with its close code (a string: see measure.ts). */
export const WATCH_SOCKETS = `
  (() => {
    const Native = window.WebSocket;
    if (!Native || Native.__recorded) return;
    const t = () => performance.now().toFixed(1);
    class Recorded extends Native {
      constructor(url, protocols) {
        super(url, protocols);
        const name = String(url).replace(/([?&]token=)[^&]+/, '$1…');
        console.debug('[ws] new ' + name + ' at ' + t());
        this.addEventListener('open', () => console.debug('[ws] open ' + name + ' at ' + t()));
        this.addEventListener('error', () => console.debug('[ws] error ' + name + ' at ' + t()));
        this.addEventListener('close', (e) => console.debug('[ws] close ' + name + ' code=' + e.code + ' reason=' + JSON.stringify(e.reason) + ' clean=' + e.wasClean + ' at ' + t()));
      }
    }
    Recorded.__recorded = true;
    window.WebSocket = Recorded;
  })();
`;

export interface RecordedEvent {
  /** Milliseconds since the recorder started. */
  at: number;
  page: number;
  kind: 'console' | 'pageerror' | 'requestfailed' | 'response' | 'ws' | 'frame-sent' | 'frame-received' | 'page';
  text: string;
}

/** y-websocket's message types, and the sync protocol's steps (y-protocols). */
const MESSAGE = ['sync', 'awareness', 'auth', 'query-awareness'];
const SYNC = ['step1', 'step2', 'update'];

/** A frame in a line: its y-websocket message type (and sync step) and size; text frames as they are. */
export function describeFrame(payload: string | Buffer): string {
  if (typeof payload === 'string') return `text ${payload.slice(0, 200)}`;
  const type = payload[0];
  const name = type === undefined ? 'empty' : (MESSAGE[type] ?? `type-${type}`);
  const step = type === 0 && payload.length > 1 ? ` ${SYNC[payload[1]!] ?? `step-${payload[1]}`}` : '';
  return `${name}${step} ${payload.length} B`;
}

export class Recorder {
  readonly events: RecordedEvent[] = [];
  private readonly started = Date.now();
  private pages = 0;

  /** Starts recording `context` (its pages from now on): call before opening pages. */
  async attach(context: BrowserContext): Promise<void> {
    await context.addInitScript({ content: WATCH_SOCKETS });
    for (const page of context.pages()) this.watch(page);
    context.on('page', (page) => this.watch(page));
  }

  note(page: number, kind: RecordedEvent['kind'], text: string): void {
    this.events.push({ at: Date.now() - this.started, page, kind, text });
  }

  private watch(page: Page): void {
    const n = (this.pages += 1);
    this.note(n, 'page', 'opened');
    page.on('framenavigated', (frame) => frame === page.mainFrame() && this.note(n, 'page', `navigated ${frame.url()}`));
    page.on('console', (message) => this.note(n, 'console', `${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => this.note(n, 'pageerror', `${error.name}: ${error.message}\n${error.stack ?? ''}`));
    page.on('requestfailed', (request) => this.note(n, 'requestfailed', `${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
    page.on('response', (response) => {
      if (response.status() >= 400) this.note(n, 'response', `${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on('websocket', (socket: WebSocket) => {
      const url = socket.url().replace(/([?&]token=)[^&]+/, '$1…');
      this.note(n, 'ws', `opened ${url}`);
      socket.on('framesent', (frame) => this.note(n, 'frame-sent', describeFrame(frame.payload)));
      socket.on('framereceived', (frame) => this.note(n, 'frame-received', describeFrame(frame.payload)));
      socket.on('socketerror', (error) => this.note(n, 'ws', `socket error ${url}: ${error}`));
      socket.on('close', () => this.note(n, 'ws', `closed ${url}`));
    });
  }

  /** The events as text, one a line. */
  text(): string {
    return this.events.map((e) => `${String(e.at).padStart(7)} ms  p${e.page}  ${e.kind.padEnd(14)} ${e.text}`).join('\n');
  }

  /**
   * Writes the events, and for each page given a screenshot and its markup, to
   * test-results/web-diagnostics/<name>/; `extra` (any facts read from the page) as JSON.
   * Returns the directory.
   */
  async save(name: string, pages: Page[], extra: Record<string, unknown> = {}): Promise<string> {
    const dir = join(DIAGNOSTICS_DIR, ...name.split('/').map((part) => part.replace(/[^\w.-]+/g, '-').slice(0, 120)));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'events.log'), `${this.text()}\n`);
    writeFileSync(join(dir, 'facts.json'), `${JSON.stringify(extra, null, 2)}\n`);
    for (const [i, page] of pages.entries()) {
      if (page.isClosed()) continue;
      await page.screenshot({ path: join(dir, `page-${i + 1}.png`), fullPage: true }).catch(() => undefined);
      const html = await page.content().catch((error: unknown) => `(no markup: ${String(error)})`);
      writeFileSync(join(dir, `page-${i + 1}.html`), html);
    }
    return dir;
  }
}

export interface RecordedBrowser extends TestBrowser {
  /** Every context opened since `forget()`, with what it recorded. */
  readonly recorded: { context: BrowserContext; recorder: Recorder }[];
  forget(): void;
}

/** `browser`, with every context it opens recorded. */
export function recordContexts(browser: TestBrowser): RecordedBrowser {
  const recorded: { context: BrowserContext; recorder: Recorder }[] = [];
  const context = async (options?: BrowserContextOptions) => {
    const created = await browser.context(options);
    const recorder = new Recorder();
    await recorder.attach(created);
    recorded.push({ context: created, recorder });
    return created;
  };
  return {
    browser: browser.browser,
    recorded,
    forget: () => void recorded.splice(0),
    context,
    page: async (options) => (await context(options)).newPage(),
    close: () => browser.close(),
  };
}

/**
 * Saves what every context of `browser` recorded, one directory each under `name`/, with the
 * facts of any open page that shows a playlist's live badge. Returns the directories.
 */
export async function saveRecorded(browser: RecordedBrowser, name: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, { context, recorder }] of browser.recorded.entries()) {
    const pages = context.pages();
    const facts: Record<string, unknown> = {};
    for (const [j, page] of pages.entries()) {
      if (await page.locator('.live-badge').count().catch(() => 0)) facts[`page-${j + 1}`] = { url: page.url(), ...(await liveFacts(page)) };
    }
    dirs.push(await recorder.save(`${name}/context-${i + 1}`, pages, facts));
  }
  return dirs;
}

/**
 * What the playlist screen shows of its live document when it did not become live: the badge,
 * the IndexedDB databases, then the badge again once the screen was asked to draw itself anew
 * (a visibilitychange makes the playlist screen read its facts again and render): a badge that
 * changes then was stale, not the document.
 */
export async function liveFacts(page: Page): Promise<Record<string, unknown>> {
  const read = () =>
    page.evaluate(async () => {
      const g = globalThis as unknown as {
        document: { querySelector(s: string): { className: string; textContent: string | null } | null; querySelectorAll(s: string): { length: number }; visibilityState: string };
        indexedDB: { databases?(): Promise<{ name?: string; version?: number }[]> };
        navigator: { onLine: boolean };
        performance: { now(): number };
      };
      const badge = g.document.querySelector('.live-badge');
      return {
        at: g.performance.now(),
        badge: badge ? { className: badge.className, text: badge.textContent } : null,
        loading: g.document.querySelector('.loading')?.textContent ?? null,
        entries: g.document.querySelectorAll('[data-entry]').length,
        editableName: g.document.querySelector('#playlist-name') !== null,
        visibility: g.document.visibilityState,
        online: g.navigator.onLine,
        databases: (await g.indexedDB.databases?.()) ?? 'unknown',
      };
    });
  try {
    const before = await read();
    await page.evaluate(() => (globalThis as unknown as { document: { dispatchEvent(e: object): void } }).document.dispatchEvent(new Event('visibilitychange')));
    await page.waitForTimeout(2_000);
    return { before, afterRedraw: await read() };
  } catch (error) {
    return { error: String(error) };
  }
}
