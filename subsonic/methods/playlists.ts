/**
 * Playlists: getPlaylists, getPlaylist, createPlaylist, updatePlaylist, deletePlaylist. Edits go
 * through the same commands and the same live collaborative document as every other edit
 * (application/playlist-edits.ts): a song a Subsonic app adds is seen at once by the y-websocket
 * clients on the playlist, and `songIndexToRemove` names the entries at the moment of the call.
 * Each write answers once the read models show it, so the app's next read sees its write.
 * getPlaylist keeps what the read models say of a playlist per version of those read models, and
 * its whole answer per user (access, stars, play counts) per version of every read model it shows
 * (answers.ts).
 */
import { changeDetails, changeItems, createPlaylist, deletePlaylist } from '../../application/playlist-edits.js';
import { ReadCache } from '../../application/read-cache.js';
import { playlistState } from '../../application/facts.js';
import { canEdit, canRead, type PlaylistAccessFacts } from '../../domain/playlist/access.js';
import { getTracks, type Track } from '../../projections/sql/catalog-queries.js';
import { followedPlaylists } from '../../projections/sql/follows.js';
import { playlistMeta } from '../../projections/sql/playlist-items.js';
import { playlistTotals } from '../../projections/sql/playlist-totals.js';
import { playlistView } from '../../projections/sql/playlist-view.js';
import { getPlaylist as readPlaylist, playlistsOf, type Playlist } from '../../projections/sql/playlists.js';
import { getUser } from '../../projections/sql/users.js';
import { findSubsonicUser } from '../../application/accounts/subsonic.js';
import { AnswerCache, type Built } from '../answers.js';
import { perDeps, readYourWrite, type Method, type MethodContext, type SubsonicDeps } from '../context.js';
import type { Payload } from '../envelope.js';
import { SubsonicError, missing, notAllowed, notFound } from '../errors.js';
import { coversOf, songsFor } from './annotate.js';
import { subsonicName } from './system.js';

const READS = ['playlists', 'playlist-items'];
/** Playlists listed at most (owned, shared with the user, followed). */
const MAX_LISTED = 1_000;

interface Described extends Omit<Playlist, 'collaborators'> {
  collaborators: ReadonlyMap<string, string>;
}

const facts = (p: Described): PlaylistAccessFacts => ({ ...p, collaborators: p.collaborators as PlaylistAccessFacts['collaborators'] });

async function ownerNames(deps: SubsonicDeps, ownerIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ownerIds)) {
    const user = await getUser(deps.sql, id);
    names.set(id, user ? subsonicName(user) : id);
  }
  return names;
}

async function summaries(deps: SubsonicDeps, userId: string, playlists: readonly Described[]): Promise<Payload[]> {
  const ids = playlists.map((p) => p.id);
  const [totals, meta, owners] = await Promise.all([playlistTotals(deps.sql, ids), playlistMeta(deps.sql, ids), ownerNames(deps, playlists.map((p) => p.ownerId))]);
  return playlists.map((p) => {
    const total = totals.get(p.id) ?? { items: 0, durationMs: 0 };
    const m = meta.get(p.id) ?? {};
    return {
      id: p.id,
      name: m.name ?? p.name,
      comment: m.description ?? p.description,
      owner: owners.get(p.ownerId) ?? p.ownerId,
      public: p.public,
      songCount: total.items,
      duration: Math.round(total.durationMs / 1000),
      created: p.createdAt,
      changed: p.updatedAt,
      readonly: !canEdit(facts(p), userId),
    };
  });
}

/** Every playlist the user owns, edits, may see as a collaborator, or follows. */
async function listed(deps: SubsonicDeps, userId: string): Promise<Described[]> {
  const out: Described[] = [];
  const seen = new Set<string>();
  for (let offset = 0; out.length < MAX_LISTED; offset += 50) {
    const page = await playlistsOf(deps.sql, userId, { limit: 50, offset });
    for (const p of page.items) {
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      const full = await readPlaylist(deps.sql, p.id);
      if (full) out.push({ ...full, collaborators: new Map(full.collaborators.map((c) => [c.userId, c.role])) });
    }
    if (page.items.length < 50) break;
  }
  for (let offset = 0; out.length < MAX_LISTED; offset += 50) {
    const page = await followedPlaylists(deps.sql, userId, { limit: 50, offset });
    for (const f of page.items) {
      if (seen.has(f.playlistId)) continue;
      seen.add(f.playlistId);
      const full = await readPlaylist(deps.sql, f.playlistId);
      const described = full && { ...full, collaborators: new Map(full.collaborators.map((c) => [c.userId, c.role])) };
      if (described && canRead(facts(described), userId)) out.push(described);
    }
    if (page.items.length < 50) break;
  }
  return out;
}

async function tracksOf(deps: SubsonicDeps, trackIds: readonly string[]): Promise<Track[]> {
  const found = new Map<string, Track>();
  const unique = [...new Set(trackIds)];
  for (let i = 0; i < unique.length; i += 1_000) for (const [id, t] of await getTracks(deps.sql, unique.slice(i, i + 1_000))) found.set(id, t);
  return trackIds.map((id) => found.get(id)).filter((t): t is Track => t !== undefined);
}

/** A playlist as the read models show it, the same for every user: who may read it is checked per call. */
interface StoredPlaylist {
  described: Described;
  /** Its summary; `readonly` depends on the user. */
  summary: Payload;
  tracks: Track[];
  covers: ReadonlySet<string>;
}

/** Kept per version of every read model they come from (a playlist of 10,000 songs is ~10 MB here, hence few). */
const storedPlaylists = perDeps((deps) => new ReadCache<StoredPlaylist | null>(deps, [...READS, 'catalog', 'users'], 200));

async function storedPlaylist(deps: SubsonicDeps, id: string): Promise<StoredPlaylist | null> {
  const view = await playlistView(deps.sql, id);
  const row = view && !view.deleted ? await readPlaylist(deps.sql, id) : undefined;
  if (!view || view.deleted || !row) return null;
  const described: Described = { ...row, collaborators: new Map(row.collaborators.map((c) => [c.userId, c.role])) };
  const [[summary], tracks] = await Promise.all([summaries(deps, row.ownerId, [described]), tracksOf(deps, view.items.map((i) => i.trackId))]);
  return { described, summary: summary!, tracks, covers: await coversOf(deps, tracks) };
}

/** A playlist with its songs, as the user may see it; error 70 when they may not. */
async function withSongs(context: MethodContext, id: string): Promise<Payload> {
  return (await playlistWithSongs(context, id)).payload;
}

/** As withSongs; the answer may be kept when it came from the read models (not from the stream). */
async function playlistWithSongs(context: MethodContext, id: string): Promise<Built> {
  const { deps, userId } = context;
  const stored = await storedPlaylists(deps).get(id, () => storedPlaylist(deps, id));
  if (!stored) {
    // Not in the read models (yet): the stream says whether it exists.
    const state = await playlistState(deps.store, id);
    if (state.status !== 'active' || !canRead(state, userId)) throw notFound(`playlist ${id}`);
    const owners = await ownerNames(deps, [state.ownerId]);
    const payload = { id, name: state.name, comment: state.description, owner: owners.get(state.ownerId)!, public: state.public, songCount: 0, duration: 0, created: deps.now().toISOString(), changed: deps.now().toISOString(), readonly: !canEdit(state, userId), entry: [] };
    return { payload, keep: false };
  }
  if (!canRead(facts(stored.described), userId)) throw notFound(`playlist ${id}`);
  const entry = await songsFor(deps, userId, stored.tracks, stored.covers);
  return { payload: { ...stored.summary, readonly: !canEdit(facts(stored.described), userId), songCount: entry.length, entry }, keep: true };
}

/** Whole getPlaylist answers, per user: what the user may see, their stars, the play counts. */
const playlistAnswers = perDeps((deps) => new AnswerCache(deps.projections, { readModels: [...READS, 'catalog', 'users', 'play-counts'], perUser: true }));

const metadata = (context: MethodContext) => ({ actorId: context.userId, correlationId: context.request.id });

export const playlistMethods: Record<string, Method> = {
  getPlaylists: {
    async run(context) {
      const { deps, params, userId } = context;
      let subject = userId;
      const username = params.string('username');
      if (username) {
        const me = await getUser(deps.sql, userId);
        if (!me || username !== subsonicName(me)) {
          if (me?.role !== 'admin') throw notAllowed('only an admin lists the playlists of another user');
          const found = await findSubsonicUser(deps.accounts, username);
          if (!found) throw notFound(`user ${username}`);
          subject = found.userId;
        }
      }
      return { playlists: { playlist: await summaries(deps, subject, await listed(deps, subject)) } };
    },
  },
  getPlaylist: {
    async run(context) {
      const id = context.params.required('id');
      return playlistAnswers(context.deps).answer(context, id, async () => {
        const { payload, keep } = await playlistWithSongs(context, id);
        return { payload: { playlist: payload }, keep };
      });
    },
  },
  createPlaylist: {
    async run(context) {
      const { deps, params, userId } = context;
      const songIds = params.list('songId');
      const existing = params.string('playlistId');
      if (existing) {
        // Replaces the songs of an existing playlist (and renames it when a name is given).
        const name = params.string('name');
        let position = name ? await changeDetails(deps, existing, userId, { name }, metadata(context)) : undefined;
        position = (await changeItems(deps, existing, userId, { clear: true, append: songIds })) ?? position;
        await readYourWrite(deps, READS, position);
        return { playlist: await withSongs(context, existing) };
      }
      const name = params.string('name');
      if (!name) throw missing('name (or playlistId)');
      // Private, as Subsonic servers make them (updatePlaylist public=true shares it).
      const created = await createPlaylist(deps, { ownerId: userId, name, public: false, trackIds: songIds }, metadata(context));
      await readYourWrite(deps, READS, created.position);
      return { playlist: await withSongs(context, created.playlistId) };
    },
  },
  updatePlaylist: {
    async run(context) {
      const { deps, params, userId } = context;
      const id = params.required('playlistId');
      const name = params.string('name');
      const comment = params.string('comment');
      const isPublic = params.bool('public');
      const add = params.list('songIdToAdd');
      const remove = params.list('songIndexToRemove').map((raw) => {
        if (!/^\d{1,6}$/.test(raw)) throw new SubsonicError(0, `songIndexToRemove must be an index: ${JSON.stringify(raw.slice(0, 20))}`);
        return Number(raw);
      });
      let position: string | undefined;
      if (name !== undefined || comment !== undefined || isPublic !== undefined) {
        position = await changeDetails(deps, id, userId, { name, description: comment, public: isPublic }, metadata(context));
      }
      if (add.length > 0 || remove.length > 0) position = (await changeItems(deps, id, userId, { removeIndexes: remove, append: add })) ?? position;
      await readYourWrite(deps, READS, position);
      return {};
    },
  },
  deletePlaylist: {
    async run(context) {
      const position = await deletePlaylist(context.deps, context.params.required('id'), context.userId, metadata(context));
      await readYourWrite(context.deps, READS, position);
      return {};
    },
  },
};
