/**
 * Driving the Chorus web client in the browser tests: people signed in (a context each, with
 * the session the client keeps in localStorage), the rows of a playlist, a drag with the mouse,
 * and an axe-core accessibility check.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeEach, expect } from 'vitest';
import type { E2eServer } from '../../e2e/support/server.js';
import type { ApiClient } from '../../support/api-client.js';
import { launchBrowser, pageProblems, screenshot, type InPage, type LaunchOptions, type TestBrowser } from '../../support/browser.js';
import { recordContexts, saveRecorded, type RecordedBrowser } from './recorder.js';

export interface Person {
  userId: string;
  displayName: string;
  api: ApiClient;
  context: BrowserContext;
  page: Page;
}

/**
 * The browser of a test file, every context recorded (console, errors, requests, WebSocket
 * frames and close codes): when a test fails, what its contexts saw is saved under
 * test-results/web-diagnostics/<file>/<test>/ (support/recorder.ts).
 */
export async function recordedBrowser(options?: LaunchOptions): Promise<RecordedBrowser> {
  return recordContexts(await launchBrowser(options));
}

/** Registers the hooks that keep the recordings of a failed test (call at the top of a test file). */
export function keepDiagnosticsOnFailure(file: string, browser: () => RecordedBrowser | undefined): void {
  beforeEach(() => browser()?.forget());
  afterEach(async (context) => {
    const recorded = browser();
    if (context.task.result?.state !== 'fail' || !recorded) return;
    const dirs = await saveRecorded(recorded, `${file}/${context.task.name}`);
    console.error(`${context.task.name}: what the browser saw is in ${dirs.join(', ')}`);
  }, 60_000);
}

/** A person signed in through the API, with the client opened at `path`. */
export async function signedIn(browser: TestBrowser, server: E2eServer, userId: string, displayName: string, path = '/'): Promise<Person> {
  const api = await server.login(userId, displayName);
  const context = await browser.context();
  const session = JSON.stringify({ userId, displayName, accessToken: api.token });
  await context.addInitScript((value) => {
    const page = globalThis as unknown as InPage;
    // (about:blank has no storage: reading it there throws.)
    if (page.location.protocol.startsWith('http') && !page.localStorage.getItem('chorus.session')) page.localStorage.setItem('chorus.session', value);
  }, session);
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`);
  return { userId, displayName, api, context, page };
}

/** The entry ids of the open playlist, in the order shown. */
export function entryIds(page: Page): Promise<string[]> {
  return page.locator('[data-entry]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry') ?? ''));
}

/** The titles of the open playlist's songs, in the order shown. */
export function entryTitles(page: Page): Promise<string[]> {
  return page.locator('[data-entry] .track-title').allInnerTexts();
}

/**
 * Drags the entry at `from` with the mouse, by its handle, to before the entry at `to` (or the
 * end); `whileHeld` runs with the mouse still down over the target.
 */
export async function dragEntry(page: Page, from: number, to: number, whileHeld?: () => Promise<unknown>): Promise<void> {
  const rows = page.locator('[data-entry]');
  const handle = await rows.nth(from).locator('.drag-handle').boundingBox();
  const count = await rows.count();
  const target = await rows.nth(Math.min(to, count - 1)).boundingBox();
  if (!handle || !target) throw new Error('rows are not on screen');
  const y = to >= count ? target.y + target.height - 2 : target.y + 4;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + handle.width / 2, (handle.y + y) / 2, { steps: 5 });
  await page.mouse.move(handle.x + handle.width / 2, y, { steps: 5 });
  await page.waitForTimeout(50);
  await whileHeld?.();
  await page.mouse.up();
}

/** Adds the first song that `query` finds, from the playlist's "Add songs" search. */
export async function addSong(page: Page, query: string, title: string): Promise<void> {
  await page.getByLabel('Search songs to add').fill(query);
  await page.getByRole('button', { name: new RegExp(`^Add ${title} by`) }).first().click();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page and fails on serious or critical
 * violations. axe is evaluated through the devtools protocol, which the page's CSP does not
 * govern (an injected <script> would rightly be refused).
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as { axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> }; document: unknown };
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${screen}: accessibility violations\n${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

/** A full-page screenshot from the top of the page. */
export async function capture(page: Page, name: string): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
  await screenshot(page, name);
}

/** The page caused no error, console error or CSP violation. */
export function expectClean(page: Page): void {
  expect(pageProblems(page)).toEqual([]);
}
