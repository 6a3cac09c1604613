/**
 * The client's store (web/src/store.ts) in Chromium, with Preact: a component follows its store
 * even when the store changes between the component's render and the moment it subscribes (its
 * effects run after the next paint). The playlist screen met exactly this: its live document
 * synced (status "live") in that window, and the badge stayed on "Connecting…" until something
 * else drew the screen again.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedBrowser } from './support/client.js';
import type { RecordedBrowser } from './support/recorder.js';

interface Harness {
  show(index: number): void;
  set(index: number, value: string): void;
}

let browser: RecordedBrowser;
let script: string;

beforeAll(async () => {
  const entry = fileURLToPath(new URL('./fixtures/store-harness.ts', import.meta.url));
  const [built] = await Promise.all([
    build({ configFile: false, logLevel: 'silent', build: { write: false, minify: false, lib: { entry, formats: ['iife'], name: 'storeHarness' } } }),
    recordedBrowser().then((b) => (browser = b)),
  ]);
  const output = (Array.isArray(built) ? built[0] : built) as { output: { type: string; code?: string }[] };
  script = output.output.find((o) => o.type === 'chunk')!.code!;
});

afterAll(async () => {
  await browser?.close();
});

async function harnessPage(): Promise<Page> {
  const page = await browser.page();
  await page.setContent('<!doctype html><html lang="en"><body><div id="root"></div></body></html>');
  await page.addScriptTag({ content: script });
  return page;
}

const shown = (page: Page) => page.locator('output').textContent();

describe('useStore', () => {
  it('shows a change made after the render, before the component subscribed', async () => {
    const page = await harnessPage();
    await page.evaluate(() => {
      const { harness } = globalThis as unknown as { harness: Harness };
      harness.show(0);
      harness.set(0, 'first store: changed');
    });
    await expect.poll(() => shown(page), { timeout: 2_000 }).toBe('first store: changed');
    await page.context().close();
  });

  it('shows a change of the new store when the component is given another one (the playlist: no document, then its live document)', async () => {
    const page = await harnessPage();
    await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.show(0));
    await expect.poll(() => shown(page)).toBe('first store: start');
    await page.waitForTimeout(200); // its effects have run: it follows the first store
    await page.evaluate(() => {
      const { harness } = globalThis as unknown as { harness: Harness };
      harness.show(1);
      harness.set(1, 'second store: changed');
    });
    await expect.poll(() => shown(page), { timeout: 2_000 }).toBe('second store: changed');
    // And it follows the second store from then on, not the first.
    await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.set(0, 'first store: ignored'));
    await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.set(1, 'second store: again'));
    await expect.poll(() => shown(page), { timeout: 2_000 }).toBe('second store: again');
    await page.context().close();
  });
});
