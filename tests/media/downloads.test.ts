/**
 * Offline downloads on real ffmpeg output: grants per device with long-lived signed URLs, the
 * plan's caps, revocation (a removed device, its downloads revoked), expiry, another user's device.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLibrary } from '../../application/library/scan.js';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { expectError, type ApiClient } from '../support/api-client.js';
import { writeLibrary } from '../support/library.js';
import { startE2eServer, uniqueUser, type E2eServer } from '../e2e/support/server.js';

const SECRET = Buffer.alloc(32, 9);
const KEYS = `dl:${SECRET.toString('base64')}`;
const tags = (title: string, track: number) => ({ artist: 'Offliners', album: 'Airplane Mode', title, track: String(track), date: '2022' });

interface Item {
  trackId: string;
  quality: string;
  url: string;
  bytes: number;
  expiresAt: string;
}

let s: E2eServer;
let dir: string;
let albumId: string;
let trackIds: string[];

const login = async (label: string, extra: Record<string, unknown> = {}) => {
  const userId = uniqueUser(label);
  const answer = await s.api.post<{ token: string }>('/v1/auth/dev-token', { userId, displayName: label, ...extra });
  expect(answer.status, answer.text).toBe(200);
  return { userId, api: s.api.as(answer.body.token) };
};
const register = async (api: ApiClient, ...devices: string[]) => {
  for (const device of devices) expect((await api.put(`/v1/me/player/devices/${device}`, { name: device, type: 'smartphone' })).status).toBe(200);
};
const fetchFile = (url: string) => fetch(`${s.url}${url}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-downloads-'));
  s = await startE2eServer('downloads', { env: { CHORUS_MEDIA_DIR: join(dir, 'media'), CHORUS_MEDIA_KEYS: KEYS, CHORUS_DATA_DIR: join(dir, 'data') } });
  const library = join(dir, 'library');
  await writeLibrary(library, { 'a/01.mp3': { format: 'mp3', seconds: 2, tags: tags('Up', 1) }, 'a/02.mp3': { format: 'mp3', seconds: 2, tags: tags('Away', 2) } });
  const media = await FolderMediaStore.open(join(dir, 'media'));
  const summary = await scanLibrary({ events: s.store, media }, library, { concurrency: 2 });
  expect(summary.failed).toStrictEqual([]);
  await s.settle();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await s.sql.query<{ track_id: string; album_id: string }>(`select track_id, album_id from catalog_tracks where title in ('Up', 'Away') and renditions is not null order by track_number`);
    if (rows.length === 2) {
      trackIds = rows.map((r) => r.track_id);
      albumId = rows[0]!.album_id;
      break;
    }
    if (Date.now() > deadline) throw new Error('the library tracks have no renditions');
    await new Promise((r) => setTimeout(r, 200));
  }
}, 300_000);

afterAll(async () => {
  await s?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('offline downloads', () => {
  it('grants a device an album with long-lived URLs that serve the files, and lists them', async () => {
    const { api } = await login('album', { plan: 'premium', country: 'SE' });
    await register(api, 'phone');
    const granted = await api.post<{ items: Item[] }>('/v1/me/downloads', { deviceId: 'phone', albumId });
    expect(granted.status, granted.text).toBe(201);
    expect(granted.body.items.map((i) => i.trackId)).toEqual(trackIds);
    const item = granted.body.items[0]!;
    expect(item.quality).toBe('high');
    expect(Date.parse(item.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3_600_000);
    const file = await fetchFile(item.url);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(item.bytes);
    const listed = await api.get<{ items: Item[] }>('/v1/me/downloads?deviceId=phone');
    expect(listed.body.items.map((i) => i.url).sort()).toEqual(granted.body.items.map((i) => i.url).sort());
  });

  it('caps the devices that hold downloads by plan (free: one)', async () => {
    const { api } = await login('free-plan');
    await register(api, 'phone', 'laptop');
    const first = await api.post<{ items: Item[] }>('/v1/me/downloads', { deviceId: 'phone', trackIds: [trackIds[0]] });
    expect(first.status).toBe(201);
    expect(first.body.items[0]!.quality).toBe('low');
    expectError(await api.post('/v1/me/downloads', { deviceId: 'laptop', trackIds: [trackIds[1]] }), 'DOWNLOAD_DEVICE_LIMIT');
    // Revoking the phone's downloads frees the place, and its URLs stop working.
    expect((await api.delete('/v1/me/downloads?deviceId=phone')).status).toBe(200);
    expectError(await jsonOf(fetchFile(first.body.items[0]!.url)), 'DOWNLOAD_REVOKED');
    expect((await api.post('/v1/me/downloads', { deviceId: 'laptop', trackIds: [trackIds[1]] })).status).toBe(201);
  });

  it('removing a device revokes its URLs at once', async () => {
    const { api } = await login('removed', { plan: 'premium', country: 'SE' });
    await register(api, 'tablet');
    const granted = await api.post<{ items: Item[] }>('/v1/me/downloads', { deviceId: 'tablet', trackIds });
    const url = granted.body.items[0]!.url;
    expect((await fetchFile(url)).status).toBe(200);
    expect((await api.delete('/v1/me/player/devices/tablet')).status).toBe(200);
    expectError(await jsonOf(fetchFile(url)), 'DOWNLOAD_REVOKED');
    expectError(await api.get('/v1/me/downloads?deviceId=tablet'), 'DEVICE_NOT_FOUND');
  });

  it("refuses another user's device, tampered and expired URLs", async () => {
    const owner = await login('owner', { plan: 'premium', country: 'SE' });
    await register(owner.api, 'their-phone');
    const other = await login('other', { plan: 'premium', country: 'SE' });
    expectError(await other.api.post('/v1/me/downloads', { deviceId: 'their-phone', trackIds }), 'DEVICE_NOT_FOUND');
    const granted = await owner.api.post<{ items: Item[] }>('/v1/me/downloads', { deviceId: 'their-phone', trackIds: [trackIds[0]] });
    const url = granted.body.items[0]!.url;
    const [, , , token, trackId, ...file] = url.split('/');
    const parts = token!.split('.');
    // Another device named in the URL: the signature no longer matches.
    const forged = [parts[0], parts[1], parts[2], parts[3], Buffer.from('my-phone').toString('base64url'), parts[5]].join('.');
    expectError(await jsonOf(fetchFile(`/v1/downloads/${forged}/${trackId}/${file.join('/')}`)), 'MEDIA_SIGNATURE_INVALID');
    // Signed with the server's key but expired.
    const exp = Math.floor(Date.now() / 1000) - 10;
    const sig = createHmac('sha256', SECRET).update(`download\n${exp}\ndl\n${trackIds[0]}\n${parts[2]}\n${owner.userId}\ntheir-phone`).digest('base64url');
    const expired = [exp, 'dl', parts[2], parts[3], parts[4], sig].join('.');
    expectError(await jsonOf(fetchFile(`/v1/downloads/${expired}/${trackId}/${file.join('/')}`)), 'MEDIA_URL_EXPIRED');
  });
});

async function jsonOf(answer: Promise<Response>) {
  const response = await answer;
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown, text };
}
