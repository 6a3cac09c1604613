/**
 * Importing a catalog (the file format of DESIGN.md section 8): plan every command in memory
 * against what each artist's stream (`catalog-<artistId>`) holds now — so conflicts with the
 * stored catalog are found before anything is written — then write, artist by artist, through
 * handleCommand. Importing the same catalog again records nothing: the decider returns no events
 * for what is already there. Used by `chorus catalog import` and the demo catalog.
 */
import { catalogDecider, type CatalogCommand, type CatalogState } from '../../domain/catalog/decider.js';
import { catalogStream, type AlbumReleased } from '../../domain/catalog/events.js';
import { canonicalJson, checkGenres } from '../../domain/shared/checks.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventStore } from '../../gateways/event-store/port.js';
import { handleCommand, loadStream, type CommandMetadata } from '../handle-command.js';
import type { CatalogFile, FileAlbum, FileArtist, Problem } from './file.js';

/** One command of the plan, with where it came from in the file. */
export interface Step {
  path: string;
  kind: 'artist' | 'album';
  command: CatalogCommand;
}

export interface Plan {
  /** Steps grouped by artist, in the order artists first appear in the file. */
  byArtist: Map<string, Step[]>;
  artists: Tally;
  albums: Tally;
  events: number;
}

export interface Tally {
  added: number;
  unchanged: number;
}

/**
 * Decides every command in memory against the stored state of its artist's stream, and checks
 * that the file's album and track ids are not taken by another artist already stored.
 */
export async function planImport(store: EventStore, catalog: CatalogFile, now: string): Promise<{ plan: Plan; problems: Problem[] }> {
  const problems: Problem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  const plan: Plan = { byArtist: new Map(), artists: { added: 0, unchanged: 0 }, albums: { added: 0, unchanged: 0 }, events: 0 };

  const artistsInFile = new Map<string, FileArtist>(catalog.artists.map((a) => [a.id, a]));
  const albumsByArtist = new Map<string, FileAlbum[]>();
  for (const artist of catalog.artists) albumsByArtist.set(artist.id, []);
  for (const album of catalog.albums) {
    if (catalog.rejectedArtistIds.has(album.artistId)) continue; // its artist's problems are reported
    const list = albumsByArtist.get(album.artistId) ?? [];
    list.push(album);
    albumsByArtist.set(album.artistId, list);
  }

  await checkOwnership(store, catalog, report);

  for (const [artistId, albums] of albumsByArtist) {
    let { state } = await loadStream(store, catalogDecider, catalogStream(artistId));
    const steps: Step[] = [];
    plan.byArtist.set(artistId, steps);
    const artist = artistsInFile.get(artistId);
    if (artist) {
      const command: CatalogCommand = { type: 'AddArtist', artistId, name: artist.name, genres: artist.genres, at: now };
      const decided = decide(command, state, artist.path, report);
      if (!decided) continue;
      state = decided.state;
      tally(plan.artists, decided.events);
      plan.events += decided.events;
      steps.push({ path: artist.path, kind: 'artist', command });
    } else if (state.status === 'none') {
      for (const album of albums) {
        report(`${album.path}.artistId`, `artist ${JSON.stringify(artistId)} is neither in this file's artists nor already stored`);
      }
      continue;
    }
    for (const album of albums) {
      const command: CatalogCommand = {
        type: 'ReleaseAlbum',
        artistId,
        albumId: album.id,
        title: album.title,
        releaseDate: album.releaseDate,
        genres: album.genres,
        tracks: album.tracks.map((t) => ({ trackId: t.id, title: t.title, durationMs: t.durationMs, trackNumber: t.trackNumber, genres: t.genres })),
      };
      const decided = decide(command, state, album.path, report);
      if (!decided) continue;
      state = decided.state;
      tally(plan.albums, decided.events);
      plan.events += decided.events;
      steps.push({ path: album.path, kind: 'album', command });
    }
  }
  return { plan, problems };
}

function decide(
  command: CatalogCommand,
  state: CatalogState,
  path: string,
  report: (path: string, message: string) => void,
): { state: CatalogState; events: number } | undefined {
  try {
    const events = catalogDecider.decide(command, state);
    return { state: events.reduce(catalogDecider.evolve, state), events: events.length };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const detail = error.code === 'CATALOG_CONFLICT' ? describeConflict(command, state) : '';
    report(path, `${error.message}${detail ? ` (${detail})` : ''} (${error.code})`);
    return undefined;
  }
}

/** What differs between the file and the stored catalog, e.g. `stored title "A"; tracks: t2 not in the file`. */
function describeConflict(command: CatalogCommand, state: CatalogState): string {
  if (state.status !== 'added') return '';
  const differences: string[] = [];
  const differ = (field: string, stored: unknown, given: unknown) => {
    if (canonicalJson(stored) !== canonicalJson(given)) differences.push(`stored ${field} ${JSON.stringify(stored)}`);
  };
  if (command.type === 'AddArtist') {
    differ('name', state.name, command.name.trim());
    differ('genres', state.genres, checkGenres(command.genres));
  } else if (command.type === 'ReleaseAlbum') {
    const stored = state.albums.get(command.albumId);
    if (!stored) return '';
    differ('title', stored.title, command.title.trim());
    differ('releaseDate', stored.releaseDate, command.releaseDate);
    differ('genres', stored.genres, checkGenres(command.genres));
    const given = new Map(command.tracks.map((t) => [t.trackId, t]));
    const tracks: string[] = [];
    for (const t of stored.tracks) {
      const mine = given.get(t.trackId);
      if (!mine) {
        tracks.push(`${t.trackId} not in the file`);
        continue;
      }
      const fields = (['title', 'durationMs', 'trackNumber', 'genres'] as const).filter((f) => {
        const value = f === 'title' ? mine.title.trim() : f === 'genres' ? checkGenres(mine.genres) : mine[f];
        return canonicalJson(t[f]) !== canonicalJson(value);
      });
      if (fields.length > 0) tracks.push(`${t.trackId} differs in ${fields.join(', ')}`);
    }
    for (const id of given.keys()) if (!stored.tracks.some((t) => t.trackId === id)) tracks.push(`${id} not stored`);
    if (tracks.length > 0) differences.push(`tracks: ${tracks.join(', ')}`);
  }
  return differences.join('; ');
}


/**
 * Album and track ids name one thing in the whole catalog: reads the albums already released
 * (every `catalog-` stream, AlbumReleased only) and reports the file's ids that another artist
 * holds. The same artist holding them is the decider's business (unchanged, or a conflict).
 */
async function checkOwnership(store: EventStore, catalog: CatalogFile, report: (path: string, message: string) => void): Promise<void> {
  const albumIds = new Map<string, FileAlbum>();
  const trackIds = new Map<string, { album: FileAlbum; path: string }>();
  for (const album of catalog.albums) {
    albumIds.set(album.id, album);
    for (const track of album.tracks) trackIds.set(track.id, { album, path: track.path });
  }
  if (albumIds.size === 0) return;
  const events = store.readAll({ filter: { streamPrefixes: ['catalog-'], eventTypes: ['AlbumReleased'] } });
  for await (const event of events) {
    const stored = event.data as unknown as AlbumReleased['data'];
    const album = albumIds.get(stored.albumId);
    if (album && album.artistId !== stored.artistId) {
      report(`${album.path}.id`, `album ${JSON.stringify(album.id)} already belongs to artist ${JSON.stringify(stored.artistId)} (CATALOG_CONFLICT)`);
    }
    for (const track of stored.tracks ?? []) {
      const mine = trackIds.get(track.trackId);
      if (mine && mine.album.artistId !== stored.artistId) {
        report(
          `${mine.path}.id`,
          `track ${JSON.stringify(track.trackId)} already belongs to artist ${JSON.stringify(stored.artistId)}, album ${JSON.stringify(stored.albumId)} (CATALOG_CONFLICT)`,
        );
      }
    }
  }
}

export const tally = (t: Tally, events: number) => (events > 0 ? (t.added += 1) : (t.unchanged += 1));

export interface ApplyResult {
  done: Plan;
  /** Set when a write was refused: the catalog changed meanwhile. */
  failure?: { path: string; reason: string };
  interrupted: boolean;
}

/** Writes a plan; `onArtist` is told after each artist. Stops early when `signal` aborts. */
export async function applyPlan(
  store: EventStore,
  plan: Plan,
  metadata: CommandMetadata,
  options: { signal?: AbortSignal; onArtist?: (done: Plan, artistsDone: number) => void } = {},
): Promise<ApplyResult> {
  const done: Plan = { byArtist: plan.byArtist, artists: { added: 0, unchanged: 0 }, albums: { added: 0, unchanged: 0 }, events: 0 };
  let artistsDone = 0;
  for (const [artistId, steps] of plan.byArtist) {
    if (options.signal?.aborted) return { done, interrupted: true };
    for (const step of steps) {
      let result;
      try {
        result = await handleCommand(store, catalogDecider, catalogStream(artistId), step.command, metadata);
      } catch (error) {
        const reason = error instanceof DomainError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
        return { done, failure: { path: step.path, reason }, interrupted: false };
      }
      tally(step.kind === 'artist' ? done.artists : done.albums, result.events.length);
      done.events += result.events.length;
    }
    artistsDone += 1;
    options.onArtist?.(done, artistsDone);
  }
  return { done, interrupted: false };
}
