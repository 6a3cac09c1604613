/**
 * The `playlists` read model on Postgres and PGlite: details, visibility, collaborators and their
 * roles, renames through PlaylistDetailsChanged and collaborative edits, deletion, the access
 * facts, and a user's playlists with paging — in batches of one and in one batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canEdit, canManage, canRead, roleOf } from '../../../domain/playlist/access.js';
import { playlistStream, type PlaylistChange, type PlaylistEvent } from '../../../domain/playlist/events.js';
import { getPlaylist, playlistAccess, playlistsOf, playlistsProjection } from '../../../projections/sql/playlists.js';
import { BACKENDS, openHarness, type ReadModelHarness } from '../../support/projection-harness.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString();

const created = (playlistId: string, ownerId: string, minute: number, name = 'Mix'): PlaylistEvent => ({
  type: 'PlaylistCreated',
  data: { playlistId, ownerId, name, description: '', public: true, collaborative: false, createdAt: at(minute) },
});
const added = (playlistId: string, userId: string, role: 'editor' | 'viewer', minute: number): PlaylistEvent => ({
  type: 'CollaboratorAdded',
  data: { playlistId, userId, role, addedBy: 'owner', at: at(minute) },
});
const roleChanged = (playlistId: string, userId: string, role: 'editor' | 'viewer', minute: number): PlaylistEvent => ({
  type: 'CollaboratorRoleChanged',
  data: { playlistId, userId, role, changedBy: 'owner', at: at(minute) },
});
const removed = (playlistId: string, userId: string, minute: number): PlaylistEvent => ({
  type: 'CollaboratorRemoved',
  data: { playlistId, userId, removedBy: 'owner', at: at(minute) },
});
const edited = (playlistId: string, minute: number, changes: PlaylistChange[]): PlaylistEvent => ({
  type: 'PlaylistEdited',
  data: { playlistId, update: 'AAE=', changes, editedBy: 'someone', at: at(minute) },
});

describe.each(BACKENDS)('playlists read model on %s', (backend) => {
  let h: ReadModelHarness;
  const append = (playlistId: string, events: PlaylistEvent[]) => h.append(playlistStream(playlistId), events);

  beforeAll(async () => {
    h = await openHarness(backend, 'rm_playlists');
  });
  afterAll(async () => {
    await h?.close();
  });

  describe.each([1, 1_000])('in batches of %i', (batchSize) => {
    const p = (name: string) => `${name}-b${batchSize}`;
    const u = (name: string) => `${name}-b${batchSize}`;

    it('follows details, visibility, renames from collaborative edits, and collaborators with roles', async () => {
      const id = p('road');
      await append(id, [
        created(id, u('olga'), 0, 'Road trip'),
        added(id, u('ed'), 'editor', 1),
        added(id, u('vi'), 'viewer', 2),
        { type: 'PlaylistVisibilityChanged', data: { playlistId: id, collaborative: true, changedBy: u('olga'), at: at(3) } },
        { type: 'PlaylistDetailsChanged', data: { playlistId: id, description: 'Songs for the A7', changedBy: u('ed'), at: at(4) } },
        edited(id, 5, [
          { op: 'add', entryId: 'e1', trackId: 't1', pos: 'a0' },
          { op: 'rename', name: 'Road trip 2026' },
        ]),
        roleChanged(id, u('vi'), 'editor', 6),
        edited(id, 7, [{ op: 'move', entryId: 'e1', pos: 'a1' }]),
      ]);
      await h.catchUp([playlistsProjection], { batchSize });
      expect(await getPlaylist(h.sql, id)).toEqual({
        id,
        ownerId: u('olga'),
        name: 'Road trip 2026',
        description: 'Songs for the A7',
        public: true,
        collaborative: true,
        createdAt: at(0),
        updatedAt: at(7),
        collaborators: [
          { userId: u('ed'), role: 'editor' },
          { userId: u('vi'), role: 'editor' },
        ],
      });

      // Later: a describe edit, the editor leaves, the viewer is removed and added back as a viewer.
      await append(id, [
        edited(id, 10, [{ op: 'describe', description: 'Windows down' }]),
        removed(id, u('ed'), 11),
        removed(id, u('vi'), 12),
        added(id, u('vi'), 'viewer', 13),
        { type: 'PlaylistVisibilityChanged', data: { playlistId: id, public: false, changedBy: u('olga'), at: at(14) } },
      ]);
      await h.catchUp([playlistsProjection], { batchSize });
      const playlist = await getPlaylist(h.sql, id);
      expect(playlist).toMatchObject({ name: 'Road trip 2026', description: 'Windows down', public: false, collaborative: true, updatedAt: at(14) });
      expect(playlist!.collaborators).toEqual([{ userId: u('vi'), role: 'viewer' }]);

      const access = await playlistAccess(h.sql, id);
      expect(access).toMatchObject({ playlistId: id, ownerId: u('olga'), public: false, collaborative: true, deleted: false });
      expect(roleOf(access!, u('vi'))).toBe('viewer');
      expect(canRead(access!, u('vi'))).toBe(true);
      expect(canEdit(access!, u('vi'))).toBe(false);
      expect(canRead(access!, u('ed'))).toBe(false);
      expect(canManage(access!, u('olga'))).toBe(true);
    });

    it('handles a whole life in one stream: created, collaborators churned, renamed, deleted', async () => {
      const id = p('brief');
      const other = p('kept');
      await append(other, [created(other, u('pat'), 20, 'Kept'), added(other, u('col'), 'editor', 21)]);
      await append(id, [
        created(id, u('pat'), 22, 'Brief'),
        added(id, u('col'), 'viewer', 23),
        roleChanged(id, u('col'), 'editor', 24),
        added(id, u('gone'), 'editor', 25),
        removed(id, u('gone'), 26),
        { type: 'PlaylistDetailsChanged', data: { playlistId: id, name: 'Brief (renamed)', changedBy: u('pat'), at: at(27) } },
      ]);
      await h.catchUp([playlistsProjection], { batchSize });
      expect((await getPlaylist(h.sql, id))?.collaborators).toEqual([{ userId: u('col'), role: 'editor' }]);
      expect((await playlistsOf(h.sql, u('col'))).items.map((x) => [x.name, x.role])).toEqual([
        ['Brief (renamed)', 'editor'],
        ['Kept', 'editor'],
      ]);

      await append(id, [{ type: 'PlaylistDeleted', data: { playlistId: id, deletedBy: u('pat'), at: at(30) } }]);
      await h.catchUp([playlistsProjection], { batchSize });
      expect(await getPlaylist(h.sql, id)).toBeUndefined();
      expect(await getPlaylist(h.sql, 'never-was')).toBeUndefined();
      expect(await playlistsOf(h.sql, u('pat'))).toMatchObject({ items: [{ id: other, role: 'owner' }], total: 1 });
      expect(await playlistsOf(h.sql, u('col'))).toMatchObject({ items: [{ id: other, role: 'editor' }], total: 1 });
      // The facts outlive the playlist, so that outsiders keep learning nothing about it.
      const access = await playlistAccess(h.sql, id);
      expect(access).toMatchObject({ deleted: true, ownerId: u('pat'), public: true });
      expect([...access!.collaborators]).toEqual([[u('col'), 'editor']]);
      expect(await playlistAccess(h.sql, 'never-was')).toBeUndefined();
    });

    it('pages the playlists a user owns or collaborates on, newest first', async () => {
      const owner = u('many');
      const ids = Array.from({ length: 5 }, (_, i) => p(`many${i}`));
      for (const [i, id] of ids.entries()) await append(id, [created(id, i === 4 ? u('someone') : owner, 40 + i)]);
      await append(ids[4]!, [added(ids[4]!, owner, 'viewer', 50)]);
      await h.catchUp([playlistsProjection], { batchSize });
      const pages = [await playlistsOf(h.sql, owner, { limit: 2 }), await playlistsOf(h.sql, owner, { limit: 2, offset: 2 }), await playlistsOf(h.sql, owner, { limit: 2, offset: 4 })];
      expect(pages.flatMap((x) => x.items.map((i) => i.id))).toEqual([...ids].reverse());
      expect(pages.map((x) => x.total)).toEqual([5, 5, 5]);
      expect(pages[0]!.items[0]!.role).toBe('viewer');
      expect((await playlistsOf(h.sql, owner, { limit: -3 })).items).toHaveLength(1);
      expect((await playlistsOf(h.sql, owner, { limit: 99, offset: -1 })).items).toHaveLength(5);
      expect(await playlistsOf(h.sql, 'nobody')).toEqual({ items: [], total: 0 });
    });
  });

  it('rebuilds in big batches to what it built one event at a time', async () => {
    const ids = ['road-b1', 'brief-b1', 'kept-b1', 'many0-b1', 'many4-b1'];
    const snapshot = async () => ({
      playlists: await Promise.all(ids.map((id) => getPlaylist(h.sql, id))),
      access: await Promise.all(ids.map((id) => playlistAccess(h.sql, id))),
      mine: await playlistsOf(h.sql, 'many-b1'),
    });
    const before = await snapshot();
    await h.rebuild(playlistsProjection, { batchSize: 1_000 });
    expect(await snapshot()).toEqual(before);
  });
});
