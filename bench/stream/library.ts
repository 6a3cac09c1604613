/**
 * The benchmark's music: clips generated with ffmpeg (pink noise with a tone, stereo FLAC, what
 * an encoder finds realistic), then scanned into the benchmark's database and media folder by
 * the library scan, whose worker pool runs ffmpeg once per core: the ingest figure.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { scanLibrary } from '../../application/library/scan.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { makeClip } from '../../tests/support/audio.js';
import { machineCoresBusy, machineCpu } from '../http/usage.js';

export interface IngestFigures {
  files: number;
  audioSeconds: number;
  /** Wall time of the scan's ingest phase (transcodes, HLS, loudness, stores). */
  wallSeconds: number;
  /** Seconds of audio ingested per second of wall time. */
  speed: number;
  /** The pool's size (files at once): the number of cores. */
  pool: number;
  /** `speed` divided by the cores of the machine. */
  perCore: number;
  /** Cores the machine kept busy during the scan. */
  coresBusy: number;
  /** Whole scan (walk, probe, tags, catalog events, ingest). */
  scanSeconds: number;
}

/** Writes `tracks` clips of `seconds` each under `folder` (not timed). */
export async function generateClips(folder: string, tracks: number, seconds: number): Promise<void> {
  const limit = pLimit(availableParallelism());
  await Promise.all(
    Array.from({ length: tracks }, (_, i) =>
      limit(() =>
        makeClip(join(folder, `Bench Band/Stream Test/${String(i + 1).padStart(2, '0')}.flac`), {
          format: 'flac',
          kind: 'music',
          seconds,
          frequency: 220 + 55 * i,
          tags: { artist: 'Bench Band', album_artist: 'Bench Band', album: 'Stream Test', title: `Track ${i + 1}`, track: String(i + 1), date: '2024' },
        }),
      ),
    ),
  );
}

/** Scans `folder` into the database at `databaseUrl` and the media folder `mediaDir`; times the ingest. */
export async function ingest(databaseUrl: string, folder: string, mediaDir: string): Promise<IngestFigures> {
  const sql = createPgClient({ connectionString: databaseUrl, applicationName: 'chorus-bench-stream-scan', max: 4 });
  try {
    const events = await PostgresEventStore.open(sql);
    const media = await FolderMediaStore.open(mediaDir);
    const pool = availableParallelism();
    const before = machineCpu();
    const started = performance.now();
    const summary = await scanLibrary({ events, media }, folder, { concurrency: pool });
    const scanSeconds = (performance.now() - started) / 1000;
    const coresBusy = machineCoresBusy(before, machineCpu());
    if (summary.failed.length > 0) throw new Error(`the scan failed files: ${JSON.stringify(summary.failed)}`);
    const { files, audioSeconds, wallSeconds } = summary.transcoded;
    const speed = audioSeconds / wallSeconds;
    return { files, audioSeconds, wallSeconds, speed, pool, perCore: speed / pool, coresBusy, scanSeconds };
  } finally {
    await sql.close();
  }
}
