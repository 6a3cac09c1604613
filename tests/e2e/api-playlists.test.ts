/**
 * Playlists: POST /v1/playlists, GET|PATCH|DELETE /v1/playlists/:id, PUT|DELETE
 * /v1/playlists/:id/collaborators/:userId, GET /v1/me/playlists — with read-your-writes and
 * who may do what. (The item routes are not built yet.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTable } from '../../projections/projection.js';
import { listGenerations } from '../../projections/registry.js';
import type { ApiClient, ApiResponse } from '../support/api-client.js';
import { OVERSIZED, expectNothingWritten, expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface Playlist {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  collaborators: Array<{ userId: string; role: string }>;
  items: unknown[];
  position?: string;
}
interface Summary {
  id: string;
  name: string;
  ownerId: string;
  role?: string;
}

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('playlists');
});
afterAll(async () => {
  await s?.close();
});

interface User {
  id: string;
  api: ApiClient;
}
async function user(label: string): Promise<User> {
  const id = uniqueUser(label);
  return { id, api: await s.login(id) };
}

async function create(owner: User, body: Record<string, unknown> = { name: 'Mix' }): Promise<Playlist & { position: string }> {
  const created = await owner.api.post<Playlist & { position: string }>('/v1/playlists', body);
  expect(created.status, created.text).toBe(201);
  return created.body;
}

function expectNoContent(response: ApiResponse): string | null {
  expect(response.status, response.text).toBe(204);
  expect(response.text).toBe('');
  return response.headers.get('chorus-position');
}

const q = (position: string | null | undefined) => (position ? `?after=${encodeURIComponent(position)}` : '');

/** A playlist of `owner` with `editor` and `viewer` as collaborators. */
async function shared(body: Record<string, unknown> = { name: 'Shared', collaborative: true }) {
  const owner = await user('owner');
  const editor = await user('editor');
  const viewer = await user('viewer');
  const stranger = await user('stranger');
  const playlist = await create(owner, body);
  expectNoContent(await owner.api.put(`/v1/playlists/${playlist.id}/collaborators/${editor.id}`, { role: 'editor' }));
  const position = expectNoContent(await owner.api.put(`/v1/playlists/${playlist.id}/collaborators/${viewer.id}`, { role: 'viewer' }));
  return { owner, editor, viewer, stranger, id: playlist.id, position };
}

describe('POST /v1/playlists', () => {
  it('answers 201 {id, position, ...} with the defaults, and records PlaylistCreated', async () => {
    const owner = await user('creator');
    const created = await create(owner, { name: 'Road trip' });
    expect(created).toMatchObject({
      id: expect.any(String),
      position: expect.any(String),
      ownerId: owner.id,
      name: 'Road trip',
      description: '',
      public: true,
      collaborative: false,
      collaborators: [],
      items: [],
    });
    // (The collaborative document may be seeded with the name by a PlaylistEdited after it.)
    const events = await s.stream(`playlist-${created.id}`);
    expect(events[0]?.type).toBe('PlaylistCreated');
    expect(events.filter((e) => e.type === 'PlaylistCreated')).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ playlistId: created.id, ownerId: owner.id, name: 'Road trip', public: true, collaborative: false });
  });

  it('keeps description, public and collaborative as given; a name of 200 characters is fine', async () => {
    const owner = await user('creator2');
    const name = 'n'.repeat(200);
    const created = await create(owner, { name, description: 'for the drive', public: false, collaborative: true });
    expect(created).toMatchObject({ name, description: 'for the drive', public: false, collaborative: true });
  });

  const invalid: Array<[string, unknown]> = [
    ['no name', { description: 'x' }],
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name of 201 characters', { name: 'n'.repeat(201) }],
    ['a numeric name (ill-typed)', { name: 123 }],
    ['a description of 1001 characters', { name: 'x', description: 'd'.repeat(1001) }],
    ['a numeric description (ill-typed)', { name: 'x', description: 5 }],
    ['public as a string (ill-typed)', { name: 'x', public: 'true' }],
    ['public as "yes"', { name: 'x', public: 'yes' }],
    ['collaborative as a number (ill-typed)', { name: 'x', collaborative: 1 }],
    ['an unknown field', { name: 'x', color: 'red' }],
    ['an id chosen by the client', { name: 'x', id: 'mine' }],
    ['an array', [{ name: 'x' }]],
    ['null', null],
  ];
  it.each(invalid)('refuses %s with 400 VALIDATION_FAILED and writes nothing', async (_label, body) => {
    const owner = await user('bad');
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('POST', '/v1/playlists', { raw: JSON.stringify(body), contentType: 'application/json' }));
  });

  it('refuses a body that is not JSON, an empty body and no body with 400', async () => {
    const owner = await user('notjson');
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('POST', '/v1/playlists', { raw: '{"name":', contentType: 'application/json' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('POST', '/v1/playlists', { raw: '', contentType: 'application/json' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('POST', '/v1/playlists'));
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded'])('refuses Content-Type %s with 415', async (contentType) => {
    const owner = await user('ctype');
    await expectRefused(s, 'UNSUPPORTED_MEDIA_TYPE', () => owner.api.request('POST', '/v1/playlists', { raw: '{"name":"x"}', contentType }));
  });

  it('refuses a body over the limit with 413 and no token with 401', async () => {
    const owner = await user('big');
    await expectRefused(s, 'PAYLOAD_TOO_LARGE', () => owner.api.post('/v1/playlists', { name: 'x', description: OVERSIZED }));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.post('/v1/playlists', { name: 'x' }));
  });
});

describe('GET /v1/me/playlists', () => {
  it('?after= a creation lists it {id, name, ownerId, ...}; playlists shared with me have my role; not others', async () => {
    const owner = await user('mine');
    const other = await user('notmine');
    const created = await create(owner, { name: 'Mine' });
    await create(other, { name: 'Theirs' });
    const mine = await owner.api.get<{ items: Summary[]; total?: number }>(`/v1/me/playlists${q(created.position)}`);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ id: created.id, name: 'Mine', ownerId: owner.id })]);
    expect(mine.body.total ?? 1).toBe(1);

    const position = expectNoContent(await owner.api.put(`/v1/playlists/${created.id}/collaborators/${other.id}`, { role: 'editor' }));
    const theirs = await other.api.get<{ items: Summary[] }>(`/v1/me/playlists${q(position)}`);
    expect(theirs.body.items.map((p) => [p.name, p.role])).toEqual(
      expect.arrayContaining([
        ['Theirs', 'owner'],
        ['Mine', 'editor'],
      ]),
    );
  });

  it('pages with limit and offset, newest first', async () => {
    const owner = await user('pager');
    await create(owner, { name: 'one' });
    await create(owner, { name: 'two' });
    const last = await create(owner, { name: 'three' });
    const page = await owner.api.get<{ items: Summary[]; total?: number }>(`/v1/me/playlists${q(last.position)}&limit=2`);
    expect(page.body.items.map((p) => p.name)).toEqual(['three', 'two']);
    expect(page.body.total).toBe(3);
    const rest = await owner.api.get<{ items: Summary[] }>('/v1/me/playlists?limit=2&offset=2');
    expect(rest.body.items.map((p) => p.name)).toEqual(['one']);
  });

  it.each([
    ['limit=0', '?limit=0'],
    ['limit=51', '?limit=51'],
    ['offset=-1', '?offset=-1'],
    ['an unknown parameter', '?owner=me'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query) => {
    const owner = await user('mebad');
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.get(`/v1/me/playlists${query}`));
  });

  it('refuses a malformed after= with 400 INVALID_POSITION, no token with 401', async () => {
    const owner = await user('mepos');
    await expectRefused(s, 'INVALID_POSITION', () => owner.api.get('/v1/me/playlists?after=abc'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get('/v1/me/playlists'));
  });

});

describe('GET /v1/playlists/:id', () => {
  it('answers {id, ownerId, name, description, public, collaborative, collaborators, items, position}', async () => {
    const { owner, editor, viewer, id, position } = await shared({ name: 'Full', description: 'all of it', collaborative: true });
    const got = await owner.api.get<Playlist>(`/v1/playlists/${id}${q(position)}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id,
      ownerId: owner.id,
      name: 'Full',
      description: 'all of it',
      public: true,
      collaborative: true,
      items: [],
      position: expect.any(String),
    });
    expect([...got.body.collaborators].sort((a, b) => a.role.localeCompare(b.role))).toEqual([
      { userId: editor.id, role: 'editor' },
      { userId: viewer.id, role: 'viewer' },
    ]);
  });

  it('answers the same shape (position included) while the read model lags behind the stream', async () => {
    const owner = await user('lagging');
    const generation = (await listGenerations(s.sql, 'playlists')).find((g) => g.status === 'active')!.generation;
    // Hold the playlists read model still (reads go on; the projection's writes wait).
    await s.sql.transaction(async (tx) => {
      await tx.query(`lock table ${physicalTable('playlists', generation)} in share mode`);
      const created = await create(owner, { name: 'Not projected yet', public: false });
      const got = await owner.api.get<Playlist>(`/v1/playlists/${created.id}`);
      expect(got.status, got.text).toBe(200);
      expect(got.body).toMatchObject({ id: created.id, ownerId: owner.id, name: 'Not projected yet', public: false, collaborators: [], items: [] });
      expect(got.body.position, 'GET /v1/playlists/:id promises a position').toEqual(expect.any(String));
    });
  });

  it('lets anyone read a public playlist; a private one only its owner and collaborators (404 to others)', async () => {
    const pub = await shared({ name: 'Open' });
    const got = await pub.stranger.api.get<Playlist>(`/v1/playlists/${pub.id}${q(pub.position)}`);
    expect(got.status).toBe(200);

    const priv = await shared({ name: 'Closed', public: false });
    for (const reader of [priv.owner, priv.editor, priv.viewer]) {
      expect((await reader.api.get(`/v1/playlists/${priv.id}${q(priv.position)}`)).status).toBe(200);
    }
    const hidden = await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => priv.stranger.api.get(`/v1/playlists/${priv.id}${q(priv.position)}`));
    expect(hidden.text).not.toContain('Closed');
  });

  it('refuses an unknown playlist with 404, a bad id with 400, an unknown parameter with 400, a malformed after= with 400, no token with 401', async () => {
    const reader = await user('reader');
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => reader.api.get('/v1/playlists/no-such-playlist'));
    await expectRefused(s, 'VALIDATION_FAILED', () => reader.api.get('/v1/playlists/bad%20id'));
    await expectRefused(s, 'VALIDATION_FAILED', () => reader.api.get('/v1/playlists/whatever?fields=name'));
    await expectRefused(s, 'INVALID_POSITION', () => reader.api.get('/v1/playlists/whatever?after=abc'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get('/v1/playlists/whatever'));
  });
});

describe('PATCH /v1/playlists/:id', () => {
  it('changes the name; GET ?after= the answer shows it', async () => {
    const owner = await user('renamer');
    const created = await create(owner, { name: 'Before' });
    const patched = await owner.api.patch<{ id: string; position: string }>(`/v1/playlists/${created.id}`, { name: 'After' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: created.id, position: expect.any(String) });
    const got = await owner.api.get<Playlist>(`/v1/playlists/${created.id}${q(patched.body.position)}`);
    expect(got.body).toMatchObject({ name: 'After', description: '' });
  });

  it('changes description and visibility together; made private, strangers get 404', async () => {
    const owner = await user('hider');
    const stranger = await user('peeker');
    const created = await create(owner, { name: 'Going private' });
    const patched = await owner.api.patch<{ position: string }>(`/v1/playlists/${created.id}`, { description: 'shh', public: false, collaborative: true });
    expect(patched.status).toBe(200);
    const got = await owner.api.get<Playlist>(`/v1/playlists/${created.id}${q(patched.body.position)}`);
    expect(got.body).toMatchObject({ description: 'shh', public: false, collaborative: true });
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => stranger.api.get(`/v1/playlists/${created.id}${q(patched.body.position)}`));
  });

  it('setting what is already set answers 200 and writes nothing', async () => {
    const owner = await user('same');
    const created = await create(owner, { name: 'Same' });
    const patched = await expectNothingWritten(s, () => owner.api.patch(`/v1/playlists/${created.id}`, { name: 'Same', public: true }));
    expect(patched.status).toBe(200);
  });

  it('editors of a collaborative playlist change details, not visibility; viewers and strangers nothing', async () => {
    const { editor, viewer, stranger, id } = await shared({ name: 'Team', collaborative: true });
    expect((await editor.api.patch(`/v1/playlists/${id}`, { name: 'Team edit' })).status).toBe(200);
    await expectRefused(s, 'FORBIDDEN', () => editor.api.patch(`/v1/playlists/${id}`, { public: false }));
    await expectRefused(s, 'FORBIDDEN', () => viewer.api.patch(`/v1/playlists/${id}`, { name: 'Viewer edit' }));
    await expectRefused(s, 'FORBIDDEN', () => stranger.api.patch(`/v1/playlists/${id}`, { name: 'Stranger edit' }));
  });

  it('on a private playlist a stranger gets 404; on an unknown one 404', async () => {
    const { stranger, id } = await shared({ name: 'Private team', public: false });
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => stranger.api.patch(`/v1/playlists/${id}`, { name: 'x' }));
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => stranger.api.patch('/v1/playlists/no-such-playlist', { name: 'x' }));
  });

  const invalid: Array<[string, unknown]> = [
    ['an empty object', {}],
    ['an empty name', { name: '' }],
    ['a blank name', { name: '  ' }],
    ['a name of 201 characters', { name: 'n'.repeat(201) }],
    ['a numeric name (ill-typed)', { name: 42 }],
    ['a description of 1001 characters', { description: 'd'.repeat(1001) }],
    ['public as "no"', { public: 'no' }],
    ['public as a string (ill-typed)', { public: 'false' }],
    ['an unknown field', { name: 'x', ownerId: 'someone-else' }],
    ['an array', [{ name: 'x' }]],
  ];
  it.each(invalid)('refuses %s with 400 VALIDATION_FAILED and writes nothing', async (_label, body) => {
    const owner = await user('patchbad');
    const created = await create(owner, { name: 'Patch me' });
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('PATCH', `/v1/playlists/${created.id}`, { raw: JSON.stringify(body), contentType: 'application/json' }));
  });

  it('refuses Content-Type text/plain with 415', async () => {
    const owner = await user('patchtext');
    const created = await create(owner, { name: 'Patch me' });
    await expectRefused(s, 'UNSUPPORTED_MEDIA_TYPE', () => owner.api.request('PATCH', `/v1/playlists/${created.id}`, { raw: '{"name":"x"}', contentType: 'text/plain' }));
  });

  it('refuses non-JSON with 400, a body over the limit with 413, a bad id with 400, no token with 401', async () => {
    const owner = await user('patchmisc');
    const created = await create(owner, { name: 'Patch me' });
    const path = `/v1/playlists/${created.id}`;
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('PATCH', path, { raw: '{"name"', contentType: 'application/json' }));
    await expectRefused(s, 'PAYLOAD_TOO_LARGE', () => owner.api.patch(path, { description: OVERSIZED }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.patch('/v1/playlists/bad%20id', { name: 'x' }));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.patch(path, { name: 'x' }));
  });
});

describe('DELETE /v1/playlists/:id', () => {
  it('only the owner deletes: editors, viewers and strangers get 403 (404 if they cannot see it)', async () => {
    const { editor, viewer, stranger, id } = await shared({ name: 'Keep', collaborative: true });
    await expectRefused(s, 'FORBIDDEN', () => editor.api.delete(`/v1/playlists/${id}`));
    await expectRefused(s, 'FORBIDDEN', () => viewer.api.delete(`/v1/playlists/${id}`));
    await expectRefused(s, 'FORBIDDEN', () => stranger.api.delete(`/v1/playlists/${id}`));
    const priv = await shared({ name: 'Keep private', public: false });
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => priv.stranger.api.delete(`/v1/playlists/${priv.id}`));
  });

  it('the owner deletes with 204 and a position; afterwards it is gone from lists and answers 410 to everything', async () => {
    const { owner, editor, viewer, stranger, id } = await shared({ name: 'Doomed', collaborative: true });
    const position = expectNoContent(await owner.api.delete(`/v1/playlists/${id}`));
    expect(position).toEqual(expect.any(String));
    expect((await s.stream(`playlist-${id}`)).at(-1)?.type).toBe('PlaylistDeleted');

    const mine = await owner.api.get<{ items: Summary[] }>(`/v1/me/playlists${q(position)}`);
    expect(mine.body.items.map((p) => p.id)).not.toContain(id);
    const theirs = await editor.api.get<{ items: Summary[] }>(`/v1/me/playlists${q(position)}`);
    expect(theirs.body.items.map((p) => p.id)).not.toContain(id);

    await expectRefused(s, 'PLAYLIST_DELETED', () => owner.api.get(`/v1/playlists/${id}${q(position)}`));
    await expectRefused(s, 'PLAYLIST_DELETED', () => stranger.api.get(`/v1/playlists/${id}${q(position)}`));
    await expectRefused(s, 'PLAYLIST_DELETED', () => owner.api.patch(`/v1/playlists/${id}`, { name: 'Revived' }));
    await expectRefused(s, 'PLAYLIST_DELETED', () => editor.api.patch(`/v1/playlists/${id}`, { name: 'Revived' }));
    await expectRefused(s, 'PLAYLIST_DELETED', () => owner.api.delete(`/v1/playlists/${id}`));
    await expectRefused(s, 'PLAYLIST_DELETED', () => owner.api.put(`/v1/playlists/${id}/collaborators/${stranger.id}`, { role: 'viewer' }));
    await expectRefused(s, 'PLAYLIST_DELETED', () => owner.api.delete(`/v1/playlists/${id}/collaborators/${viewer.id}`));
  });

  it('a deleted private playlist stays hidden (404) from those who could not see it', async () => {
    const { owner, viewer, stranger, id } = await shared({ name: 'Secret doomed', public: false });
    const position = expectNoContent(await owner.api.delete(`/v1/playlists/${id}`));
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => stranger.api.get(`/v1/playlists/${id}${q(position)}`));
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => stranger.api.delete(`/v1/playlists/${id}`));
    await expectRefused(s, 'PLAYLIST_DELETED', () => viewer.api.get(`/v1/playlists/${id}${q(position)}`));
  });

  it('refuses an unknown playlist with 404, a bad id with 400, no token with 401', async () => {
    const owner = await user('delmisc');
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => owner.api.delete('/v1/playlists/no-such-playlist'));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.delete('/v1/playlists/bad%20id'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.delete('/v1/playlists/no-such-playlist'));
  });
});

describe('PUT|DELETE /v1/playlists/:id/collaborators/:userId', () => {
  it('adds, changes and removes a collaborator with 204; GET ?after= shows each step; repeats write nothing', async () => {
    const owner = await user('manager');
    const friend = await user('friend');
    const { id } = await create(owner, { name: 'Ours', collaborative: true });
    const path = `/v1/playlists/${id}/collaborators/${friend.id}`;

    let position = expectNoContent(await owner.api.put(path, { role: 'editor' }));
    let got = await owner.api.get<Playlist>(`/v1/playlists/${id}${q(position)}`);
    expect(got.body.collaborators).toEqual([{ userId: friend.id, role: 'editor' }]);

    expectNoContent(await expectNothingWritten(s, () => owner.api.put(path, { role: 'editor' })));

    position = expectNoContent(await owner.api.put(path, { role: 'viewer' }));
    got = await owner.api.get<Playlist>(`/v1/playlists/${id}${q(position)}`);
    expect(got.body.collaborators).toEqual([{ userId: friend.id, role: 'viewer' }]);

    position = expectNoContent(await owner.api.delete(path));
    got = await owner.api.get<Playlist>(`/v1/playlists/${id}${q(position)}`);
    expect(got.body.collaborators).toEqual([]);

    expectNoContent(await expectNothingWritten(s, () => owner.api.delete(path)));
    const collaboratorEvents = (await s.stream(`playlist-${id}`)).map((e) => e.type).filter((type) => type.startsWith('Collaborator'));
    expect(collaboratorEvents).toEqual(['CollaboratorAdded', 'CollaboratorRoleChanged', 'CollaboratorRemoved']);
  });

  it('a collaborator may leave; may not remove others or add anyone (403)', async () => {
    const { editor, viewer, stranger, id } = await shared({ name: 'Leaving', collaborative: true });
    await expectRefused(s, 'FORBIDDEN', () => editor.api.delete(`/v1/playlists/${id}/collaborators/${viewer.id}`));
    await expectRefused(s, 'FORBIDDEN', () => editor.api.put(`/v1/playlists/${id}/collaborators/${stranger.id}`, { role: 'viewer' }));
    expectNoContent(await viewer.api.delete(`/v1/playlists/${id}/collaborators/${viewer.id}`));
  });

  it('refuses an unknown user with 404 USER_NOT_FOUND, the owner as collaborator with 400, strangers with 403/404', async () => {
    const pub = await shared({ name: 'Public team' });
    await expectRefused(s, 'USER_NOT_FOUND', () => pub.owner.api.put(`/v1/playlists/${pub.id}/collaborators/${uniqueUser('ghost')}`, { role: 'editor' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => pub.owner.api.put(`/v1/playlists/${pub.id}/collaborators/${pub.owner.id}`, { role: 'editor' }));
    await expectRefused(s, 'FORBIDDEN', () => pub.stranger.api.put(`/v1/playlists/${pub.id}/collaborators/${pub.stranger.id}`, { role: 'editor' }));
    const priv = await shared({ name: 'Private team', public: false });
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => priv.stranger.api.put(`/v1/playlists/${priv.id}/collaborators/${priv.stranger.id}`, { role: 'editor' }));
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => priv.owner.api.put(`/v1/playlists/no-such-playlist/collaborators/${priv.stranger.id}`, { role: 'editor' }));
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => priv.owner.api.delete(`/v1/playlists/no-such-playlist/collaborators/${priv.stranger.id}`));
  });

  const invalid: Array<[string, unknown]> = [
    ['no role', {}],
    ['role "admin"', { role: 'admin' }],
    ['role "owner"', { role: 'owner' }],
    ['a numeric role', { role: 1 }],
    ['an unknown field', { role: 'editor', until: '2030-01-01' }],
    ['an array', [{ role: 'editor' }]],
  ];
  it.each(invalid)('PUT refuses %s with 400 VALIDATION_FAILED and writes nothing', async (_label, body) => {
    const owner = await user('collabbad');
    const friend = await user('collabfriend');
    const { id } = await create(owner);
    await expectRefused(s, 'VALIDATION_FAILED', () =>
      owner.api.request('PUT', `/v1/playlists/${id}/collaborators/${friend.id}`, { raw: JSON.stringify(body), contentType: 'application/json' }),
    );
  });

  it('PUT refuses Content-Type text/plain with 415', async () => {
    const owner = await user('collabtext');
    const friend = await user('collabtextfriend');
    const { id } = await create(owner);
    await expectRefused(s, 'UNSUPPORTED_MEDIA_TYPE', () =>
      owner.api.request('PUT', `/v1/playlists/${id}/collaborators/${friend.id}`, { raw: '{"role":"editor"}', contentType: 'text/plain' }),
    );
  });

  it('refuses non-JSON with 400, no body with 400, a body over the limit with 413, bad ids with 400, no token with 401', async () => {
    const owner = await user('collabmisc');
    const friend = await user('collabmiscfriend');
    const { id } = await create(owner);
    const path = `/v1/playlists/${id}/collaborators/${friend.id}`;
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('PUT', path, { raw: '{"role":', contentType: 'application/json' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.request('PUT', path));
    await expectRefused(s, 'PAYLOAD_TOO_LARGE', () => owner.api.put(path, { role: OVERSIZED }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.put(`/v1/playlists/${id}/collaborators/bad%20user`, { role: 'editor' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.put(`/v1/playlists/bad%20id/collaborators/${friend.id}`, { role: 'editor' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => owner.api.delete(`/v1/playlists/${id}/collaborators/bad%20user`));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.put(path, { role: 'editor' }));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.delete(path));
  });
});
