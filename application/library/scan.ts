/**
 * `library scan`: brings the catalog in line with a folder of audio files.
 *
 * 1. Walk the folder. A file whose size and modification time match its track's recorded source
 *    (and whose audio is attached and available) is unchanged: it is not even opened.
 * 2. Read the others (ffprobe and tags, in the worker pool) and place them (identity.ts). A known
 *    file keeps its track id while it stays on its album, so a retag updates the track.
 * 3. Record, per album, the artist and the album as the files say it is now (albums.ts).
 * 4. Ingest each file (ingest.ts, in the worker pool: ffmpeg is the cost) and attach its audio.
 * 5. Tracks whose file under the folder is gone are marked unavailable.
 *
 * A file that cannot be read, or whose album the catalog refuses, is reported with its path and
 * the reason, and changes nothing; the scan goes on with the others. Everything goes through the
 * catalog decider, so a rescan of an unchanged folder appends nothing.
 */
import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import { resolve, sep } from 'node:path';
import { availableParallelism } from 'node:os';
import { catalogDecider, type CatalogCommand } from '../../domain/catalog/decider.js';
import { catalogStream } from '../../domain/catalog/events.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventStore } from '../../gateways/event-store/port.js';
import { MediaToolError } from '../../gateways/media/ffmpeg/run.js';
import { probeAudio } from '../../gateways/media/ffmpeg/probe.js';
import type { MediaStore } from '../../gateways/media/port.js';
import { readTags } from '../../gateways/media/tags.js';
import { handleCommand, type CommandMetadata } from '../handle-command.js';
import { addArtistCommand, byPlace, reviseAlbumCommand, type ReadFile } from './albums.js';
import { CatalogView, type KnownFile } from './catalog-view.js';
import { identify } from './identity.js';
import { ingestAudio } from './ingest.js';
import { findAudioFiles, type FoundFile } from './walk.js';

/** Told of each file's ingest (metrics: application/library/metrics.ts). */
export interface IngestObserver {
  ingested(seconds: number, audioSeconds: number, reused: boolean): void;
  /** A file that could not be read or ingested, by reason code; `seconds` when its ingest had started. */
  failed(reason: string, seconds?: number): void;
}

export interface ScanDeps {
  events: EventStore;
  media: MediaStore;
  observer?: IngestObserver;
}

export interface FailedFile {
  path: string;
  reason: string;
}

export interface ScanSummary {
  files: number;
  added: number;
  updated: number;
  unchanged: number;
  unavailable: number;
  failed: FailedFile[];
  events: number;
  /** Files transcoded (not reused), the seconds of audio in them, and the wall time of the ingest phase. */
  transcoded: { files: number; audioSeconds: number; wallSeconds: number };
  interrupted: boolean;
}

export interface ScanProgress {
  phase: 'reading' | 'ingesting';
  done: number;
  total: number;
  summary: ScanSummary;
}

export interface ScanOptions {
  /** Files read or ingested at once (default: the number of cores). */
  concurrency?: number;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (progress: ScanProgress) => void;
  metadata?: CommandMetadata;
}

export const defaultConcurrency = () => Math.max(1, availableParallelism());

const reasonOf = (error: unknown) =>
  error instanceof DomainError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
const isAbort = (error: unknown) => error instanceof MediaToolError && error.code === 'ABORTED';

export async function scanLibrary(deps: ScanDeps, folder: string, options: ScanOptions = {}): Promise<ScanSummary> {
  const root = resolve(folder);
  const signal = options.signal;
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const metadata = options.metadata ?? { actorId: 'chorus-library', correlationId: randomUUID() };
  const limit = pLimit(options.concurrency ?? defaultConcurrency());
  const summary: ScanSummary = { files: 0, added: 0, updated: 0, unchanged: 0, unavailable: 0, failed: [], events: 0, transcoded: { files: 0, audioSeconds: 0, wallSeconds: 0 }, interrupted: false };
  const fail = (path: string, error: unknown, seconds?: number) => {
    summary.failed.push({ path, reason: reasonOf(error) });
    deps.observer?.failed(error instanceof MediaToolError || error instanceof DomainError ? error.code : 'OTHER', seconds);
  };

  await deps.media.sweep();
  const found = await findAudioFiles(root, signal);
  summary.files = found.length;
  const view = await CatalogView.load(deps.events, signal);
  const known = view.filesByPath();
  const write = async (artistId: string, command: CatalogCommand) => {
    const result = await handleCommand(deps.events, catalogDecider, catalogStream(artistId), command, metadata);
    view.apply(artistId, result.events);
    summary.events += result.events.length;
    return result.events;
  };

  const candidates = found.filter((f) => {
    const k = known.get(f.path);
    const unchanged = k !== undefined && !k.unavailable && k.version !== undefined && k.source.bytes === f.bytes && k.source.modifiedAt === f.modifiedAt;
    if (unchanged) summary.unchanged += 1;
    return !unchanged;
  });

  // 2. Read and place the changed files.
  let done = 0;
  const progress = (phase: ScanProgress['phase'], total: number) => options.onProgress?.({ phase, done, total, summary });
  progress('reading', candidates.length);
  const read: ReadFile[] = [];
  // Only the first file of an album (by disc and number) keeps its embedded picture in memory.
  const pictured = new Map<string, ReadFile>();
  const keepPicture = (f: ReadFile) => {
    if (!f.tags.picture) return;
    const best = pictured.get(f.entry.album.id);
    if (best && byPlace(best, f) <= 0) return void delete f.tags.picture;
    if (best) delete best.tags.picture;
    pictured.set(f.entry.album.id, f);
  };
  await Promise.all(
    candidates.map((file) =>
      limit(async () => {
        if (signal?.aborted) return;
        try {
          const probe = await probeAudio(file.path, { signal });
          const tags = await readTags(file.path);
          const placedFile: ReadFile = { file, probe, tags, entry: keepKnownId(identify(tags, file.path), known.get(file.path), view) };
          keepPicture(placedFile);
          read.push(placedFile);
        } catch (error) {
          if (!isAbort(error)) fail(file.path, error);
        }
        done += 1;
        progress('reading', candidates.length);
      }),
    ),
  );
  const placed = withoutDuplicates(read.sort((a, b) => (a.file.path < b.file.path ? -1 : 1)), known, fail);

  // 3. Artists and albums.
  const added = new Set<string>();
  const accepted: ReadFile[] = [];
  for (const files of groupBy(placed, (f) => f.entry.album.id).values()) {
    if (signal?.aborted) break;
    const artistId = files[0]!.entry.artist.id;
    try {
      if (view.state(artistId).status !== 'added') await write(artistId, addArtistCommand(files[0]!, now()));
      for (const event of await write(artistId, await reviseAlbumCommand(deps.media, view, files))) {
        if (event.type === 'AlbumReleased') for (const t of event.data.tracks) added.add(t.trackId);
        if (event.type === 'AlbumTrackAdded') added.add(event.data.track.trackId);
      }
      accepted.push(...files);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      for (const f of files) fail(f.file.path, error);
    }
  }

  // 4. Ingest and attach.
  done = 0;
  progress('ingesting', accepted.length);
  const attached = new Set<string>();
  const started = Date.now();
  await Promise.all(
    accepted.map((f) =>
      limit(async () => {
        if (signal?.aborted) return;
        const { artist, track } = f.entry;
        const t0 = Date.now();
        try {
          const ingested = await ingestAudio(deps.media, track.id, f.file.path, { signal, probe: f.probe });
          deps.observer?.ingested((Date.now() - t0) / 1000, f.probe.durationMs / 1000, ingested.reused);
          if (!ingested.reused) {
            summary.transcoded.files += 1;
            summary.transcoded.audioSeconds += f.probe.durationMs / 1000;
          }
          const { audio, renditions, hls, loudness } = ingested;
          const source = { path: f.file.path, bytes: f.file.bytes, modifiedAt: f.file.modifiedAt };
          const events = await write(artist.id, { type: 'AttachTrackAudio', artistId: artist.id, trackId: track.id, audio, renditions, hls, loudness, source, at: now() });
          attached.add(track.id);
          if (added.has(track.id)) summary.added += 1;
          else if (events.length > 0) summary.updated += 1;
          else summary.unchanged += 1;
        } catch (error) {
          if (isAbort(error)) return;
          if (!(error instanceof DomainError) && !(error instanceof MediaToolError)) throw error;
          fail(f.file.path, error, (Date.now() - t0) / 1000);
        }
        done += 1;
        progress('ingesting', accepted.length);
      }),
    ),
  );
  summary.transcoded.wallSeconds = (Date.now() - started) / 1000;
  summary.interrupted = signal?.aborted === true;
  if (summary.interrupted) return summary;

  // 5. Files that are gone, and files that became another track.
  const onDisk = new Set(found.map((f) => f.path));
  const orphans: KnownFile[] = [];
  for (const [path, k] of known) {
    if (!path.startsWith(root + sep) || k.unavailable || attached.has(k.trackId)) continue;
    const moved = placed.find((f) => f.file.path === path && f.entry.track.id !== k.trackId && attached.has(f.entry.track.id));
    if (!onDisk.has(path) || moved) orphans.push(k);
  }
  for (const k of orphans) {
    const events = await write(k.artistId, { type: 'ChangeTrackAvailability', artistId: k.artistId, trackId: k.trackId, available: false, reason: 'source-missing', at: now() });
    if (events.length > 0) summary.unavailable += 1;
  }
  return summary;
}

/** A known file that stays on its album keeps its track id (a retag changes details, not identity). */
function keepKnownId(entry: ReturnType<typeof identify>, known: KnownFile | undefined, view: CatalogView) {
  if (known && known.albumId === entry.album.id && known.artistId === entry.artist.id && view.track(known.trackId)) {
    return { ...entry, track: { ...entry.track, id: known.trackId } };
  }
  return entry;
}

/** Two files that name one track (the same album, disc and number): the known one, else the first, wins. */
function withoutDuplicates(files: readonly ReadFile[], known: ReadonlyMap<string, KnownFile>, fail: (path: string, error: unknown) => void): ReadFile[] {
  const owner = new Map<string, ReadFile>();
  for (const f of files) {
    const other = owner.get(f.entry.track.id);
    if (!other) owner.set(f.entry.track.id, f);
    else if (known.get(f.file.path)?.trackId === f.entry.track.id) {
      owner.set(f.entry.track.id, f);
      fail(other.file.path, new Error(`it is the same track as ${f.file.path} (same album, disc and track number)`));
    } else fail(f.file.path, new Error(`it is the same track as ${other.file.path} (same album, disc and track number)`));
  }
  return files.filter((f) => owner.get(f.entry.track.id) === f);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

export type { FoundFile };
