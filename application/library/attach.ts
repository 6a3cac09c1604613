/**
 * Audio for tracks of a JSON catalog: `chorus audio attach TRACK_ID FILE`, and `catalog import
 * --audio-dir DIR`, which looks for `<trackId>.<ext>` in DIR for every track of the file. The
 * file is ingested (renditions, loudness, the original kept) and TrackAudioAttached appended
 * through the catalog decider: attaching the same audio again appends nothing. Such audio has no
 * library source, so a library scan never marks it unavailable.
 */
import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, parse } from 'node:path';
import { catalogDecider } from '../../domain/catalog/decider.js';
import { catalogStream } from '../../domain/catalog/events.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventStore } from '../../gateways/event-store/port.js';
import { MediaToolError } from '../../gateways/media/ffmpeg/run.js';
import type { MediaStore } from '../../gateways/media/port.js';
import { handleCommand, type CommandMetadata } from '../handle-command.js';
import { CatalogView } from './catalog-view.js';
import { ingestAudio } from './ingest.js';
import type { IngestObserver } from './scan.js';
import { defaultConcurrency } from './scan.js';
import { isAudioFile } from './walk.js';

export interface AttachDeps {
  events: EventStore;
  media: MediaStore;
  observer?: IngestObserver;
}

export interface AttachOutcome {
  trackId: string;
  path: string;
  /** `attached`: new audio recorded; `unchanged`: that audio was attached already. */
  result: 'attached' | 'unchanged' | 'failed';
  reason?: string;
}

export interface AttachOptions {
  signal?: AbortSignal;
  concurrency?: number;
  metadata?: CommandMetadata;
  now?: () => Date;
  onProgress?: (done: number, total: number, outcome: AttachOutcome) => void;
}

const reasonOf = (error: unknown) =>
  error instanceof DomainError || error instanceof MediaToolError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);

/** Attaches each file to its track, in a bounded pool; a file that fails is reported and changes nothing. */
export async function attachAudioFiles(deps: AttachDeps, files: ReadonlyArray<{ trackId: string; path: string }>, options: AttachOptions = {}): Promise<AttachOutcome[]> {
  const view = await CatalogView.load(deps.events, options.signal);
  const metadata = options.metadata ?? { actorId: 'chorus-cli', correlationId: randomUUID() };
  const now = options.now ?? (() => new Date());
  const limit = pLimit(options.concurrency ?? defaultConcurrency());
  let done = 0;
  return Promise.all(
    files.map(({ trackId, path }) =>
      limit(async (): Promise<AttachOutcome> => {
        let outcome: AttachOutcome;
        let started: number | undefined;
        try {
          if (options.signal?.aborted) throw new MediaToolError('ABORTED', 'interrupted');
          const track = view.track(trackId);
          if (!track) throw new DomainError('TRACK_NOT_FOUND', `track ${trackId} is not in the catalog`);
          started = Date.now();
          const ingested = await ingestAudio(deps.media, trackId, path, { signal: options.signal });
          deps.observer?.ingested((Date.now() - started) / 1000, ingested.audio.durationMs! / 1000, ingested.reused);
          const { audio, renditions, hls, loudness } = ingested;
          const artistId = track.artistId;
          const result = await handleCommand(deps.events, catalogDecider, catalogStream(artistId), { type: 'AttachTrackAudio', artistId, trackId, audio, renditions, hls, loudness, at: now().toISOString() }, metadata);
          outcome = { trackId, path, result: result.events.length > 0 ? 'attached' : 'unchanged' };
        } catch (error) {
          if (!(error instanceof DomainError) && !(error instanceof MediaToolError)) throw error;
          if (!(error instanceof MediaToolError && error.code === 'ABORTED')) deps.observer?.failed(error.code, started === undefined ? undefined : (Date.now() - started) / 1000);
          outcome = { trackId, path, result: 'failed', reason: reasonOf(error) };
        }
        done += 1;
        options.onProgress?.(done, files.length, outcome);
        return outcome;
      }),
    ),
  );
}

/** The audio files in `folder` named after one of `trackIds` (`<trackId>.<ext>`), and the ids with none. */
export async function audioByTrackId(folder: string, trackIds: readonly string[]): Promise<{ found: Array<{ trackId: string; path: string }>; missing: string[] }> {
  const wanted = new Set(trackIds);
  const found = new Map<string, string>();
  for (const name of (await readdir(folder)).sort()) {
    if (!isAudioFile(name)) continue;
    const id = parse(name).name;
    if (wanted.has(id) && !found.has(id)) found.set(id, join(folder, name));
  }
  return {
    found: trackIds.filter((id) => found.has(id)).map((trackId) => ({ trackId, path: found.get(trackId)! })),
    missing: trackIds.filter((id) => !found.has(id)),
  };
}

