/** GET /v1/charts/tracks?window=day|week|all&limit= : {trackId, plays}, most played first, with ?after=. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface Chart {
  items: Array<{ trackId: string; plays: number }>;
}

const A = 'demo-track-0-1';
const B = 'demo-track-0-2';
const C = 'demo-track-0-3';
const SHORT = 'demo-track-0-4';
const OLD = 'demo-track-1-0-1';

let s: E2eServer;
let listener: ApiClient;
/** The position of the last play. */
let last: string;

beforeAll(async () => {
  s = await startE2eServer('charts');
  listener = await s.login(uniqueUser('listener'));
  const users = await Promise.all([0, 1, 2].map((i) => s.login(uniqueUser(`fan${i}`))));
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const plays: Array<[ApiClient, string, number, string?]> = [
    [users[0]!, A, 60_000],
    [users[1]!, A, 30_000], // exactly the threshold counts
    [users[2]!, A, 180_000],
    [users[0]!, B, 45_000],
    [users[1]!, B, 45_000],
    [users[2]!, C, 100_000],
    ...[0, 1, 2, 0, 1].map((i): [ApiClient, string, number] => [users[i]!, SHORT, 29_999]), // skips do not count
    ...[0, 1, 2, 0].map((i): [ApiClient, string, number, string] => [users[i]!, OLD, 31_000, twoDaysAgo]),
  ];
  for (const [api, trackId, msPlayed, playedAt] of plays) {
    const played = await api.post<{ position: string }>('/v1/me/plays', playedAt ? { trackId, msPlayed, playedAt } : { trackId, msPlayed });
    if (played.status !== 202) throw new Error(`play: ${played.status} ${played.text}`);
    last = played.body.position;
  }
});
afterAll(async () => {
  await s?.close();
});

const chart = (query: string) => listener.get<Chart>(`/v1/charts/tracks?${query}&after=${encodeURIComponent(last)}`);

describe('GET /v1/charts/tracks', () => {
  it('window=day: today’s plays of 30 s or more, most played first', async () => {
    const day = await chart('window=day');
    expect(day.status).toBe(200);
    expect(day.body.items).toEqual([
      { trackId: A, plays: 3 },
      { trackId: B, plays: 2 },
      { trackId: C, plays: 1 },
    ]);
  });

  it('window=week and window=all include the plays of two days ago', async () => {
    const expected = [
      { trackId: OLD, plays: 4 },
      { trackId: A, plays: 3 },
      { trackId: B, plays: 2 },
      { trackId: C, plays: 1 },
    ];
    for (const window of ['week', 'all']) {
      const answer = await chart(`window=${window}`);
      expect(answer.status, window).toBe(200);
      expect(answer.body.items, window).toEqual(expected);
    }
  });

  it('answers at most `limit` entries', async () => {
    const top = await chart('window=all&limit=2');
    expect(top.body.items).toEqual([
      { trackId: OLD, plays: 4 },
      { trackId: A, plays: 3 },
    ]);
  });

  it('answers without a window (a default one), most played first', async () => {
    const answer = await listener.get<Chart>('/v1/charts/tracks');
    expect(answer.status).toBe(200);
    const plays = answer.body.items.map((i) => i.plays);
    expect(plays).toEqual([...plays].sort((x, y) => y - x));
  });

  it('a new play shows up in the chart read ?after= its position', async () => {
    const fan = await s.login(uniqueUser('late'));
    const before = (await chart('window=day')).body.items.find((i) => i.trackId === C)?.plays ?? 0;
    const played = await fan.post<{ position: string }>('/v1/me/plays', { trackId: C, msPlayed: 40_000 });
    expect(played.status).toBe(202);
    last = played.body.position;
    const after = await chart('window=day');
    expect(after.body.items.find((i) => i.trackId === C)?.plays).toBe(before + 1);
  });

  it.each([
    ['window=month', 'window=month'],
    ['window=DAY', 'window=DAY'],
    ['an empty window', 'window='],
    ['limit=0', 'limit=0'],
    ['limit=51', 'limit=51'],
    ['limit=abc', 'limit=abc'],
    ['an unknown parameter', 'region=se'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query) => {
    await expectRefused(s, 'VALIDATION_FAILED', () => listener.get(`/v1/charts/tracks?${query}`));
  });

  it('refuses a malformed after= with 400 INVALID_POSITION', async () => {
    await expectRefused(s, 'INVALID_POSITION', () => listener.get('/v1/charts/tracks?after=abc'));
  });

  it('refuses a caller without a token with 401', async () => {
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get('/v1/charts/tracks'));
  });
});
