/**
 * The web client's screens in a real browser, on a server with local accounts: the first account
 * is created from the sign-in screen (which offers the development form only while dev tokens
 * are on), then people sign in with a password; a refused access token is renewed with the
 * refresh token; search as you type, album and artist pages, charts, browse and a genre, friends
 * and recommendations on the home screen, used with the keyboard, checked by axe-core and
 * photographed; the phone-sized layout.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_ARGON2_ENV, signIn } from '../e2e/support/accounts.js';
import { startE2eServer, uniqueUser, type E2eServer } from '../e2e/support/server.js';
import type { ApiClient } from '../support/api-client.js';
import type { InPage } from '../support/browser.js';
import { capture, expectAccessible, expectClean, keepDiagnosticsOnFailure, recordedBrowser } from './support/client.js';
import type { RecordedBrowser } from './support/recorder.js';

let server: E2eServer;
let browser: RecordedBrowser;
let admin: ApiClient;
const ADMIN = { username: 'admin', password: 'admin-password-1', displayName: 'Ada Admin' };

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2eServer('web_client', { env: FAST_ARGON2_ENV }), recordedBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

keepDiagnosticsOnFailure('client', () => browser);

/** An account made by the admin; its password is `<username>-password`. */
async function account(label: string, displayName: string): Promise<{ username: string; password: string; userId: string }> {
  const username = uniqueUser(label);
  const password = `${username}-password`;
  const created = await admin.post<{ userId: string }>('/v1/admin/users', { username, password, displayName });
  expect(created.status, created.text).toBe(201);
  return { username, password, userId: created.body.userId };
}

async function signInWithForm(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The home screen greets `name`. */
function signedInAs(page: Page, name: string): Promise<void> {
  return page.getByRole('heading', { level: 1, name: new RegExp(`^Good [a-z]+, ${name}$`) }).waitFor();
}

describe('signing in', () => {
  it('creates the first account from the sign-in screen; afterwards only password sign-in is offered', async () => {
    const page = await browser.page();
    await page.goto(server.url);
    // A server without accounts: development sign-in (the default) and creating the first account.
    await page.getByRole('radio', { name: 'Development' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Development' }).isChecked()).toBe(true);
    await expectAccessible(page, 'sign-in');
    await page.getByRole('radio', { name: 'Create account' }).check();
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Display name').fill(ADMIN.displayName);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await signedInAs(page, ADMIN.displayName);
    ({ client: admin } = await signIn(server.api, ADMIN.username, ADMIN.password));

    // Signed out: accounts exist now, so neither the development form nor sign-up is offered.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Chorus' }).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await page.getByLabel('Display name').count()).toBe(0);

    await signInWithForm(page, ADMIN.username, 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'That user name and password do not match.' }).waitFor();
    await capture(page, 'sign-in');
    await signInWithForm(page, ADMIN.username, ADMIN.password);
    await signedInAs(page, ADMIN.displayName);
    expectClean(page);
    await page.context().close();
  });

  it('renews a refused access token with the refresh token, and says so when the sign-in is over', async () => {
    const person = await account('renew', 'Rita');
    const page = await browser.page();
    await page.goto(server.url);
    await signInWithForm(page, person.username, person.password);
    await signedInAs(page, 'Rita');
    const read = () => page.evaluate(() => JSON.parse((globalThis as unknown as InPage).localStorage.getItem('chorus.session') ?? 'null') as { accessToken: string; refreshToken: string });
    const before = await read();

    // The access token is refused (as once it expires): the client renews it and carries on.
    await page.evaluate((value) => (globalThis as unknown as InPage).localStorage.setItem('chorus.session', value), JSON.stringify({ ...before, accessToken: 'expired' }));
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Charts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Charts' }).waitFor();
    await page.getByRole('radio', { name: 'This week' }).waitFor();
    const after = await read();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe('expired');
    expect(await page.getByRole('heading', { name: 'Sign in to Chorus' }).count()).toBe(0);

    // Signed out elsewhere (the refresh token revoked): the next refusal ends the session with a message.
    expect((await server.api.post('/v1/auth/logout', { refreshToken: after.refreshToken })).status).toBe(204);
    await page.evaluate((value) => (globalThis as unknown as InPage).localStorage.setItem('chorus.session', value), JSON.stringify({ ...after, accessToken: 'expired' }));
    await page.reload();
    await page.getByText('Your session has ended. Sign in again.').waitFor();
    await page.context().close();
  });
});

describe('the main screens', () => {
  it('searches as you type, opens album and artist pages, charts and friends, with the keyboard; each accessible', async () => {
    const person = await account('kim', 'Kim');
    const friend = await account('lee', 'Lee');
    const { client: friendApi } = await signIn(server.api, friend.username, friend.password);
    const { client: personApi } = await signIn(server.api, person.username, person.password);
    expect((await friendApi.post('/v1/me/plays', { trackId: 'demo-track-0-2', msPlayed: 60_000 })).status).toBe(202);
    expect((await personApi.put(`/v1/me/following/users/${friend.userId}`)).status).toBe(204);

    const page = await browser.page();
    await page.goto(server.url);
    await signInWithForm(page, person.username, person.password);
    await signedInAs(page, 'Kim');
    // Recommendations for a new listener (popular songs, genres), each saying why.
    const forYou = page.getByRole('list', { name: 'Recommended for you' });
    await forYou.locator('.track').first().waitFor();
    expect(await forYou.locator('.track-detail').first().innerText()).toMatch(/^(Because you|Popular right now|New release|For you)/);
    await capture(page, 'home');
    await expectAccessible(page, 'home');

    // The skip link is the first stop of the keyboard and takes focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Skip to content');

    // Search as you type: results without pressing Enter, the query in the URL.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
    const box = page.getByLabel('Search for songs, albums and artists');
    await expect.poll(() => box.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await page.keyboard.type('polyphon');
    await page.getByRole('link', { name: 'The Polyphonics' }).first().waitFor();
    await page.getByRole('list', { name: 'Songs found' }).getByText('Counterpoint Blues').waitFor();
    expect(new URL(page.url()).searchParams.get('q')).toBe('polyphon');
    await capture(page, 'search');
    await expectAccessible(page, 'search');

    // The album, reached with the keyboard: focus its link, Enter; focus moves to the new heading.
    await page.getByRole('link', { name: 'Harmony Street' }).first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Harmony Street' }).waitFor();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe('H1');
    await page.getByRole('list', { name: 'Songs of Harmony Street' }).getByText('Canon in the Rain').waitFor();
    await capture(page, 'album');
    await expectAccessible(page, 'album');

    await page.getByRole('main').getByRole('link', { name: 'The Polyphonics' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'The Polyphonics' }).waitFor();
    await capture(page, 'artist');
    await expectAccessible(page, 'artist');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Charts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Charts' }).waitFor();
    await page.getByRole('radio', { name: 'All time' }).check();
    await page.getByText('Four Voices').first().waitFor();
    await capture(page, 'charts');
    await expectAccessible(page, 'charts');

    // Browse: new releases and genres; a genre's page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Browse' }).click();
    await page.getByRole('heading', { level: 1, name: 'Browse' }).waitFor();
    await page.getByRole('link', { name: /^indie \d+ albums?, \d+ songs?$/ }).waitFor();
    expect(await page.locator('.cards .card').count()).toBeGreaterThan(0);
    await capture(page, 'browse');
    await expectAccessible(page, 'browse');
    await page.getByRole('link', { name: /^indie / }).click();
    await page.getByRole('heading', { level: 1, name: 'indie' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'New albums' }).waitFor();
    expect(await page.getByRole('main').locator('.card').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'genre');

    // Friends: what the people Kim follows played.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Friends' }).click();
    await page.getByRole('heading', { level: 1, name: 'Friends' }).waitFor();
    await page.getByText('Four Voices').first().waitFor();
    await page.getByText('Lee').first().waitFor();
    await capture(page, 'friends');
    await expectAccessible(page, 'friends');
    expectClean(page);
    await page.context().close();
  });

  it('fits a phone-sized screen: the navigation becomes a tab bar at the bottom, nothing scrolls sideways; a cold album asks for its data once', async () => {
    const person = await account('phone', 'Pat');
    const page = await browser.page({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(server.url);
    await signInWithForm(page, person.username, person.password);
    await signedInAs(page, 'Pat');
    // Opened cold, the album is asked for once: the request sent before the client loaded
    // (web/src/early.ts) is the one the page uses.
    const asked: string[] = [];
    page.on('request', (request) => new URL(request.url()).pathname === '/v1/albums/demo-album-0' && asked.push(request.url()));
    await page.goto(`${server.url}/album/demo-album-0`);
    await page.getByRole('heading', { level: 1, name: 'Harmony Street' }).waitFor();
    expect(asked).toHaveLength(1);
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    expect(nav).not.toBeNull();
    expect(nav!.y + nav!.height).toBeGreaterThan(844 - 4);
    const widths = await page.evaluate(() => {
      const { document } = globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } };
      return { scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth };
    });
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    // Song rows keep their title and actions.
    await page.getByRole('button', { name: 'Add Canon in the Rain to a playlist' }).waitFor();
    await capture(page, 'album-phone');
    await expectAccessible(page, 'album (phone)');
    expectClean(page);
    await page.context().close();
  });
});
