/**
 * The catalog import file (DESIGN.md section 8), read and checked on its own, before the store is
 * consulted: JSON syntax (with line and column), shapes, unknown fields, each field through the
 * domain's own checks, and ids that must be unique across the file. Every problem is reported
 * with its path, e.g. `albums[3].tracks[2].durationMs: must be a whole number between 1 and 86400000`.
 *
 * {
 *   "artists": [{ "id", "name", "genres"? }],
 *   "albums": [{ "id", "artistId", "title", "releaseDate", "genres"?,
 *                "tracks": [{ "id", "title", "durationMs", "trackNumber", "genres"? }] }]
 * }
 */
import { MAX_TRACK_MS } from '../../domain/catalog/decider.js';
import { checkGenres, checkId, checkName, isCalendarDate } from '../../domain/shared/checks.js';
import { DomainError } from '../../domain/shared/errors.js';

export interface Problem {
  /** Where in the file: `albums[3].tracks[2].durationMs`, or '' for the file as a whole. */
  path: string;
  message: string;
}

export interface FileArtist {
  path: string;
  id: string;
  name: string;
  genres: string[] | undefined;
}

export interface FileTrack {
  path: string;
  id: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genres: string[] | undefined;
}

export interface FileAlbum {
  path: string;
  id: string;
  artistId: string;
  title: string;
  releaseDate: string;
  genres: string[] | undefined;
  tracks: FileTrack[];
}

/** What passed the checks; an item with a problem is left out (its problems are reported). */
export interface CatalogFile {
  artists: FileArtist[];
  albums: FileAlbum[];
  /** Ids of artists the file lists but that have problems: their albums are not checked further. */
  rejectedArtistIds: Set<string>;
}

export const MAX_TRACKS_PER_ALBUM = 500;
const RELEASE_DATE = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$/;

type Json = Record<string, unknown>;

/**
 * Parses and checks `text`. `catalog` (what passed) is there whenever the file is JSON, so that
 * the caller can go on to check it against the store and report every problem at once.
 */
export function readCatalogFile(text: string): { catalog?: CatalogFile; problems: Problem[] } {
  let root: unknown;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, '')); // a byte-order mark is not an error
  } catch (error) {
    return { problems: [{ path: '', message: describeSyntaxError(text, error) }] };
  }
  const problems: Problem[] = [];
  const catalog = new Checker(problems).file(root);
  return { catalog, problems };
}

/** Orders problems as they appear in the file: artists, then albums, by index. */
export function byPlaceInFile(a: Problem, b: Problem): number {
  const key = (path: string) =>
    path.replace(/^artists/, '0').replace(/^albums/, '1').replace(/\[(\d+)\]/g, (_m, n: string) => `[${n.padStart(10, '0')}]`);
  const [ka, kb] = [key(a.path), key(b.path)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** "invalid JSON at line 3, column 14: Expected ',' or '}' after property value". */
function describeSyntaxError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 names the offset in its message ("... in JSON at position 42"); there is no other field.
  const at = /at position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : /end of JSON input/i.test(message) ? text.length : undefined;
  const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)/, '');
  if (offset === undefined) return `invalid JSON: ${reason}`;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `invalid JSON at line ${line}, column ${column}: ${reason}`;
}

type IdKind = 'artist' | 'album' | 'track';

class Checker {
  /** Every well-formed id, valid item or not, for the uniqueness check. */
  private readonly ids: Array<{ kind: IdKind; id: string; path: string }> = [];

  constructor(private readonly problems: Problem[]) {}

  private report(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  file(root: unknown): CatalogFile {
    const catalog: CatalogFile = { artists: [], albums: [], rejectedArtistIds: new Set() };
    if (!this.object('', root, ['artists', 'albums'])) return catalog;
    for (const [i, item] of this.list('artists', root.artists).entries()) {
      const artist = this.artist(`artists[${i}]`, item);
      if (artist) catalog.artists.push(artist);
      else if (isObject(item) && typeof item.id === 'string') catalog.rejectedArtistIds.add(item.id);
    }
    for (const [i, item] of this.list('albums', root.albums).entries()) {
      const album = this.album(`albums[${i}]`, item);
      if (album) catalog.albums.push(album);
    }
    this.uniqueIds();
    return catalog;
  }

  private artist(path: string, value: unknown): FileArtist | undefined {
    if (!this.object(path, value, ['id', 'name', 'genres'])) return undefined;
    const before = this.problems.length;
    const artist: FileArtist = {
      path,
      id: this.id(`${path}.id`, value.id, 'artist'),
      name: this.name(`${path}.name`, value.name),
      genres: this.genres(`${path}.genres`, value.genres),
    };
    return this.problems.length === before ? artist : undefined;
  }

  private album(path: string, value: unknown): FileAlbum | undefined {
    if (!this.object(path, value, ['id', 'artistId', 'title', 'releaseDate', 'genres', 'tracks'])) return undefined;
    const before = this.problems.length;
    const album: FileAlbum = {
      path,
      id: this.id(`${path}.id`, value.id, 'album'),
      artistId: this.id(`${path}.artistId`, value.artistId),
      title: this.name(`${path}.title`, value.title),
      releaseDate: this.releaseDate(`${path}.releaseDate`, value.releaseDate),
      genres: this.genres(`${path}.genres`, value.genres),
      tracks: [],
    };
    const list = this.list(`${path}.tracks`, value.tracks, true);
    if (Array.isArray(value.tracks) && (list.length === 0 || list.length > MAX_TRACKS_PER_ALBUM)) {
      this.report(`${path}.tracks`, `must list 1 to ${MAX_TRACKS_PER_ALBUM} tracks, got ${list.length}`);
    }
    const numbers = new Map<number, string>();
    for (const [i, item] of list.entries()) {
      const trackPath = `${path}.tracks[${i}]`;
      const track = this.track(trackPath, item);
      if (track) album.tracks.push(track);
      const n = isObject(item) ? item.trackNumber : undefined;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) continue;
      const other = numbers.get(n);
      if (other !== undefined) this.report(`${trackPath}.trackNumber`, `${n} is also the trackNumber of ${other}`);
      else numbers.set(n, trackPath);
    }
    return this.problems.length === before ? album : undefined;
  }

  private track(path: string, value: unknown): FileTrack | undefined {
    if (!this.object(path, value, ['id', 'title', 'durationMs', 'trackNumber', 'genres'])) return undefined;
    const before = this.problems.length;
    const track: FileTrack = {
      path,
      id: this.id(`${path}.id`, value.id, 'track'),
      title: this.name(`${path}.title`, value.title),
      durationMs: this.wholeNumber(`${path}.durationMs`, value.durationMs, 1, MAX_TRACK_MS),
      trackNumber: this.wholeNumber(`${path}.trackNumber`, value.trackNumber, 1),
      genres: this.genres(`${path}.genres`, value.genres),
    };
    return this.problems.length === before ? track : undefined;
  }

  /** Ids that name one thing are unique across the whole file. */
  private uniqueIds(): void {
    const first = new Map<string, string>();
    for (const { kind, id, path } of this.ids) {
      const other = first.get(`${kind}:${id}`);
      if (other !== undefined) this.report(`${path}.id`, `${kind} id ${JSON.stringify(id)} is also used by ${other}`);
      else first.set(`${kind}:${id}`, path);
    }
  }

  private object(path: string, value: unknown, fields: readonly string[]): value is Json {
    if (!isObject(value)) {
      this.report(path, `must be an object with ${fields.join(', ')}`);
      return false;
    }
    for (const key of Object.keys(value)) {
      if (!fields.includes(key)) this.report(join(path, key), `unknown field (allowed: ${fields.join(', ')})`);
    }
    return true;
  }

  private list(path: string, value: unknown, required = false): unknown[] {
    if (value === undefined) {
      if (required) this.report(path, 'is required');
      return [];
    }
    if (!Array.isArray(value)) {
      this.report(path, 'must be a list');
      return [];
    }
    return value;
  }

  private string(path: string, value: unknown): value is string {
    if (value === undefined) this.report(path, 'is required');
    else if (typeof value !== 'string') this.report(path, `must be a string, got ${kindOf(value)}`);
    else return true;
    return false;
  }

  private id(path: string, value: unknown, kind?: IdKind): string {
    if (this.string(path, value) && this.domain(path, () => checkId(value, '')) && kind) {
      this.ids.push({ kind, id: value, path: path.slice(0, -'.id'.length) });
    }
    return value as string;
  }

  private name(path: string, value: unknown): string {
    if (this.string(path, value)) this.domain(path, () => checkName(value, ''));
    return value as string;
  }

  private releaseDate(path: string, value: unknown): string {
    if (!this.string(path, value)) return '';
    const match = RELEASE_DATE.exec(value);
    if (!match || (match[3] !== undefined && !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3])))) {
      this.report(path, `${JSON.stringify(value)} must be a real date as YYYY, YYYY-MM or YYYY-MM-DD`);
    }
    return value;
  }

  private wholeNumber(path: string, value: unknown, min: number, max?: number): number {
    if (value === undefined) this.report(path, 'is required');
    else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
      const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
      this.report(path, `must be a whole number ${range}, got ${JSON.stringify(value)}`);
    }
    return value as number;
  }

  private genres(path: string, value: unknown): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.report(path, 'must be a list of strings');
      return undefined;
    }
    const before = this.problems.length;
    for (const [i, genre] of value.entries()) {
      if (this.string(`${path}[${i}]`, genre)) this.domain(`${path}[${i}]`, () => checkName(genre, '', 50));
    }
    if (this.problems.length === before) this.domain(path, () => checkGenres(value as string[]));
    return value as string[];
  }

  /** Runs one of the domain's checks, reporting its rejection at `path`; true when it passed. */
  private domain(path: string, check: () => unknown): boolean {
    try {
      check();
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.report(path, error.message.trim());
      return false;
    }
  }
}

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
