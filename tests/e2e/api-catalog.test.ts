/** Search and catalog reads on the demo catalog: GET /v1/search, /v1/tracks/:id, /v1/albums/:id, /v1/artists/:id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface SearchAnswer {
  tracks?: Array<{ id: string; title: string; artistName: string }>;
  albums?: Array<{ id: string; title: string }>;
  artists?: Array<{ id: string; name: string }>;
}

let s: E2eServer;
let alice: ApiClient;
beforeAll(async () => {
  s = await startE2eServer('catalog');
  alice = await s.login(uniqueUser('alice'), 'Alice');
});
afterAll(async () => {
  await s?.close();
});

describe('GET /v1/search', () => {
  it('answers tracks, albums and artists when no type is given', async () => {
    const found = await alice.get<SearchAnswer>('/v1/search?q=polyphonics');
    expect(found.status).toBe(200);
    expect(Object.keys(found.body).sort()).toEqual(['albums', 'artists', 'tracks']);
    expect(found.body.artists).toContainEqual({ id: 'demo-artist-0', name: 'The Polyphonics', genres: ['indie', 'rock'] });
  });

  it('answers only artists for type=artist', async () => {
    const found = await alice.get<SearchAnswer>('/v1/search?q=polyphonics&type=artist');
    expect(found.status).toBe(200);
    expect(Object.keys(found.body)).toEqual(['artists']);
    expect(found.body.artists?.[0]).toMatchObject({ id: 'demo-artist-0', name: 'The Polyphonics' });
  });

  it('answers only tracks and albums for type=track,album', async () => {
    const found = await alice.get<SearchAnswer>(`/v1/search?q=${encodeURIComponent('Harmony Street')}&type=track,album`);
    expect(found.status).toBe(200);
    expect(Object.keys(found.body).sort()).toEqual(['albums', 'tracks']);
    expect(found.body.albums?.map((a) => a.id)).toContain('demo-album-0');
  });

  it('finds a track by its title, with its album and artist', async () => {
    const found = await alice.get<SearchAnswer>(`/v1/search?q=${encodeURIComponent('Counterpoint Blues')}&type=track`);
    expect(found.status).toBe(200);
    expect(Object.keys(found.body)).toEqual(['tracks']);
    expect(found.body.tracks?.[0]).toMatchObject({ id: 'demo-track-0-1', title: 'Counterpoint Blues', artistName: 'The Polyphonics', albumId: 'demo-album-0' });
  });

  it('a repeated type counts once', async () => {
    const found = await alice.get<SearchAnswer>('/v1/search?q=polyphonics&type=artist,artist');
    expect(found.status).toBe(200);
    expect(Object.keys(found.body)).toEqual(['artists']);
  });

  it('answers at most `limit` results per type', async () => {
    const all = await alice.get<SearchAnswer>('/v1/search?q=rain&type=track&limit=50');
    expect(all.status).toBe(200);
    expect(all.body.tracks!.length).toBeGreaterThan(2);
    const two = await alice.get<SearchAnswer>('/v1/search?q=rain&type=track&limit=2');
    expect(two.body.tracks).toHaveLength(2);
    const one = await alice.get<SearchAnswer>('/v1/search?q=rain&limit=1');
    expect(one.body.tracks!.length).toBeLessThanOrEqual(1);
    expect(one.body.albums!.length).toBeLessThanOrEqual(1);
    expect(one.body.artists!.length).toBeLessThanOrEqual(1);
  });

  it('answers empty lists when nothing matches', async () => {
    const found = await alice.get<SearchAnswer>('/v1/search?q=zzqxjvw&type=track,artist');
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ tracks: [], artists: [] });
  });

  it('accepts ?after= with a position it returned', async () => {
    const found = await alice.get<SearchAnswer>(`/v1/search?q=polyphonics&type=artist&after=${encodeURIComponent(await s.head())}`);
    expect(found.status).toBe(200);
    expect(found.body.artists?.[0]?.id).toBe('demo-artist-0');
  });

  it.each([
    ['no q', '/v1/search'],
    ['an empty q', '/v1/search?q='],
    ['a q of 201 characters', `/v1/search?q=${'a'.repeat(201)}`],
    ['limit=0', '/v1/search?q=rain&limit=0'],
    ['limit=51', '/v1/search?q=rain&limit=51'],
    ['limit=abc', '/v1/search?q=rain&limit=abc'],
    ['limit=1.5', '/v1/search?q=rain&limit=1.5'],
    ['type=playlist', '/v1/search?q=rain&type=playlist'],
    ['type=TRACK', '/v1/search?q=rain&type=TRACK'],
    ['type=track, (trailing comma)', '/v1/search?q=rain&type=track,'],
    ['an empty type', '/v1/search?q=rain&type='],
    ['an unknown parameter', '/v1/search?q=rain&sort=asc'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, path) => {
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.get(path));
  });

  it('refuses a malformed after= with 400 INVALID_POSITION', async () => {
    await expectRefused(s, 'INVALID_POSITION', () => alice.get('/v1/search?q=rain&after=yesterday'));
  });

  it('refuses a caller without a token with 401', async () => {
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get('/v1/search?q=rain'));
  });
});

describe('GET /v1/tracks/:id, /v1/albums/:id, /v1/artists/:id', () => {
  it('answers a track with its album and artist', async () => {
    const track = await alice.get('/v1/tracks/demo-track-0-1');
    expect(track.status).toBe(200);
    expect(track.body).toMatchObject({
      id: 'demo-track-0-1',
      title: 'Counterpoint Blues',
      durationMs: 180_000,
      trackNumber: 1,
      genres: expect.any(Array),
      releaseDate: '2024-05-17',
      albumId: 'demo-album-0',
      albumTitle: 'Harmony Street',
      artistId: 'demo-artist-0',
      artistName: 'The Polyphonics',
    });
  });

  it('answers an album with its tracks in order', async () => {
    const album = await alice.get<{ tracks: Array<{ id: string }> }>('/v1/albums/demo-album-0');
    expect(album.status).toBe(200);
    expect(album.body).toMatchObject({
      id: 'demo-album-0',
      title: 'Harmony Street',
      artistId: 'demo-artist-0',
      artistName: 'The Polyphonics',
      releaseDate: '2024-05-17',
      trackCount: 4,
    });
    expect(album.body.tracks.map((t) => t.id)).toEqual(['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4']);
  });

  it('answers an artist with their albums', async () => {
    const artist = await alice.get<{ albums: Array<{ id: string }> }>('/v1/artists/demo-artist-0');
    expect(artist.status).toBe(200);
    expect(artist.body).toMatchObject({ id: 'demo-artist-0', name: 'The Polyphonics', genres: ['indie', 'rock'], addedAt: expect.any(String) });
    expect(artist.body.albums.map((a) => a.id)).toEqual(['demo-album-0']);
  });

  it('accepts ?after= with a position it returned', async () => {
    const after = encodeURIComponent(await s.head());
    for (const path of ['/v1/tracks/demo-track-0-1', '/v1/albums/demo-album-0', '/v1/artists/demo-artist-0']) {
      expect((await alice.get(`${path}?after=${after}`)).status, path).toBe(200);
    }
  });

  it.each([
    ['tracks', 'TRACK_NOT_FOUND'],
    ['albums', 'ALBUM_NOT_FOUND'],
    ['artists', 'ARTIST_NOT_FOUND'],
  ] as const)('/v1/%s/:id of an unknown id answers 404 %s', async (kind, code) => {
    await expectRefused(s, code, () => alice.get(`/v1/${kind}/no-such-${kind}`));
  });

  it.each([
    ['tracks', 'TRACK_NOT_FOUND'],
    ['albums', 'ALBUM_NOT_FOUND'],
    ['artists', 'ARTIST_NOT_FOUND'],
  ] as const)('/v1/%s/:id of a valid but unknown id of 128 characters answers 404 %s', async (kind, code) => {
    await expectRefused(s, code, () => alice.get(`/v1/${kind}/${'i'.repeat(128)}`));
  });

  describe.each(['tracks', 'albums', 'artists'])('/v1/%s/:id', (kind) => {
    it.each([
      ['an id with a space', 'bad%20id'],
      ['an id starting with a symbol', '-abc'],
      ['an id of 129 characters', 'i'.repeat(129)],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, id) => {
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.get(`/v1/${kind}/${id}`));
    });

    it('refuses an unknown query parameter with 400', async () => {
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.get(`/v1/${kind}/demo-x?expand=1`));
    });

    it('refuses a malformed after= with 400 INVALID_POSITION', async () => {
      await expectRefused(s, 'INVALID_POSITION', () => alice.get(`/v1/${kind}/demo-x?after=abc`));
    });

    it('refuses a caller without a token with 401', async () => {
      await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get(`/v1/${kind}/demo-x`));
    });
  });
});
