/**
 * `chorus recs rebuild` as a user runs it (`bin/chorus.mjs` as a child process, on PostgreSQL):
 * the model built from the stored events with a progress bar on stderr, its summary on stdout
 * (counts that follow from the events appended, a malformed play counted as skipped), a
 * listener's recommendations from what others co-listened, and usage errors that touch nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import type { NewEvent } from '../../../gateways/event-store/port.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import { runChorusCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

let db: TestDatabase;
let store: PostgresEventStore;
let sequence = 0;
const id = () => `0190a000-0000-7000-8000-${String(sequence++).padStart(12, '0')}`;
const DAY = 86_400_000;
const T0 = Date.now() - 10 * DAY;
/** Artists a (genre rock) and b (genre jazz), 4 tracks each. */
const tracks = (artist: string) => Array.from({ length: 4 }, (_, n) => `${artist}-t${n}`);
const play = (userId: string, trackId: string, atMs: number): NewEvent => ({
  id: id(),
  type: 'TrackPlayed',
  data: { userId, trackId, playedAt: new Date(atMs).toISOString(), msPlayed: 200_000 },
});

beforeAll(async () => {
  db = await createTestDatabase('recs_cli');
  store = await PostgresEventStore.open(createPgClient({ connectionString: db.url, applicationName: 'recs-cli-writer', max: 2 }), { ownsClient: true });
  for (const [artist, genre] of [['a', 'rock'], ['b', 'jazz']] as const) {
    await store.append(`catalog-${artist}`, [
      { id: id(), type: 'ArtistAdded', data: { artistId: artist, name: artist, genres: [genre], addedAt: '2020-01-01T00:00:00.000Z' } },
      {
        id: id(),
        type: 'AlbumReleased',
        data: {
          albumId: `${artist}-album`,
          artistId: artist,
          title: 'Album',
          releaseDate: '2020-01-01',
          genres: [genre],
          tracks: tracks(artist).map((trackId, i) => ({ trackId, title: trackId, durationMs: 240_000, trackNumber: i + 1, genres: [genre] })),
        },
      },
    ]);
  }
  // Five listeners play a-t0 then a-t1 in one session; each session is its own day.
  for (let u = 0; u < 5; u++) {
    await store.append(`listens-fan${u}`, [play(`fan${u}`, 'a-t0', T0 + u * DAY), play(`fan${u}`, 'a-t1', T0 + u * DAY + 240_000)]);
  }
  // The newcomer played a-t0 long ago; one malformed play (no trackId) that the model skips.
  await store.append('listens-newcomer', [play('newcomer', 'a-t0', T0 + 6 * DAY)]);
  await store.append('listens-broken', [{ id: id(), type: 'TrackPlayed', data: { userId: 'broken', playedAt: new Date(T0).toISOString(), msPlayed: 1 } }]);
  await store.append('other-stream', [{ id: id(), type: 'SomethingElse', data: {} }]);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('chorus recs rebuild', () => {
  it('builds the model from the events with a progress bar and prints its summary and a listener’s list', async () => {
    const run = await runChorusCli(['recs', 'rebuild', '--user', 'newcomer', '--limit', '3'], { DATABASE_URL: db.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/chorus recs rebuild: reading \[.*\] 17\/17 events \| 100% \| ETA/);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as Record<string, unknown> & { recommendations: Array<{ trackId: string; reasons: Array<{ type: string; id?: string }> }> };
    // 4 catalog events, 11 plays, 1 malformed play, 1 event of another type: 17 read.
    expect(summary).toMatchObject({ events: 17, modelEvents: 4 + 11, plays: 11, listeners: 6, tracks: 8, skipped: 1, user: 'newcomer' });
    expect(summary.trackPairs).toBeGreaterThan(0);
    expect(summary.memoryBytes).toBeGreaterThan(0);
    expect(summary.recommendations).toHaveLength(3);
    // What the fans played after a-t0 comes first, because of a-t0.
    expect(summary.recommendations[0]!.trackId).toBe('a-t1');
    expect(summary.recommendations[0]!.reasons[0]).toEqual({ type: 'similar-to', id: 'a-t0' });
  }, 60_000);

  it('refuses bad usage with exit code 2 before opening anything', async () => {
    const unreachable = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const extra = await runChorusCli(['recs', 'rebuild', 'now'], unreachable);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('recs rebuild: unexpected argument "now"');
    const limitAlone = await runChorusCli(['recs', 'rebuild', '--limit', '5'], unreachable);
    expect(limitAlone.code).toBe(2);
    expect(limitAlone.stderr).toContain('--limit needs --user');
    const help = await runChorusCli(['recs', 'rebuild', '--help'], unreachable);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('does not change theirs');
  }, 120_000);
});
