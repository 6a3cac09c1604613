/**
 * `chorus library scan DIR [--watch]` and `chorus audio attach TRACK_ID FILE`: audio into the
 * catalog through application/library (tags, stable ids, renditions by ffmpeg in a worker pool),
 * with a progress bar and a summary. Data (one JSON line per scan) on stdout; the bar, the failed
 * files with their reasons and logs on stderr.
 */
import { watch } from 'chokidar';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { attachAudioFiles } from '../application/library/attach.js';
import { registerIngestMetrics } from '../application/library/metrics.js';
import { defaultConcurrency, scanLibrary, type IngestObserver, type ScanSummary } from '../application/library/scan.js';
import type { MediaStore } from '../gateways/media/port.js';
import { CliFailure, EXIT_FAILURE, EXIT_OK, UsageError, parse, wholeNumber } from './args.js';
import { signalExitCode, withStorage, type CliContext, type CliStorage } from './context.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import { progressBar } from './progress-bar.js';

export const LIBRARY_HELP = `Usage: chorus library scan [options] DIR

Reads every audio file under DIR (mp3, flac, m4a/aac, ogg/opus, wav, aiff) with its tags and
brings the catalog in line with it: new files become tracks (ids from MusicBrainz ids, else from
the tags, so they stay the same), retagged files update their tracks, removed files mark their
tracks unavailable. Each file is transcoded once (AAC 128 and 320 kbps, HLS, loudness) into the
media store (CHORUS_MEDIA_DIR, default <data dir>/media); its original is kept. A rescan of an
unchanged folder writes nothing. A file that cannot be read is listed with its reason and changes
nothing.

Prints one JSON line per scan on stdout:
  {"files":n,"added":n,"updated":n,"unchanged":n,"unavailable":n,"failed":n,"events":n,"transcoded":{...}}

Options:
  --watch            keep running, and scan again a second after files change (until
                     SIGINT/SIGTERM, which ends it with 0 between scans)
  --concurrency N    files read and transcoded at once (default: the number of cores)
  --metrics-port N   serve Prometheus metrics at http://HOST:N/metrics while running
                     (0: a free port; the address is printed on stderr): ingest time by
                     outcome, seconds of audio transcoded, failures by reason
  --metrics-host H   the address to serve them on (default 127.0.0.1)
  -h, --help         show this help

Exit codes: 0 scanned (failed files are listed on stderr), 1 failure, 2 usage error,
130/143 interrupted during a scan (what was written stays; scan again to finish).`;

export const AUDIO_ATTACH_HELP = `Usage: chorus audio attach TRACK_ID FILE

Transcodes FILE (AAC 128 and 320 kbps, HLS, loudness), keeps the original in the media store and
attaches it to the catalog track TRACK_ID (from a JSON catalog: chorus catalog import). Attaching
the same audio again changes nothing.

Prints {"trackId","result":"attached"|"unchanged"} on stdout.

Exit codes: 0 attached, 1 failure (the reason on stderr; nothing changed), 2 usage error.`;

export async function libraryScanCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('library scan', args, {
    watch: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'metrics-port': { type: 'string' },
    'metrics-host': { type: 'string', default: '127.0.0.1' },
  });
  if (positionals.length !== 1) throw new UsageError(`library scan: expected one DIR, got ${positionals.length} arguments (see chorus library scan --help)`);
  const dir = positionals[0]!;
  const concurrency = values.concurrency === undefined ? defaultConcurrency() : wholeNumber('--concurrency', values.concurrency, 1, 64);
  const metricsPort = values['metrics-port'] === undefined ? undefined : wholeNumber('--metrics-port', values['metrics-port'], 0, 65_535);
  return withStorage(ctx, async (storage) => {
    const media = await ctx.media();
    const registry = new Registry();
    const observer = registerIngestMetrics(registry);
    let metrics: MetricsServer | undefined;
    if (metricsPort !== undefined) {
      collectDefaultMetrics({ register: registry });
      try {
        metrics = await serveMetrics(registry, metricsPort, values['metrics-host']);
      } catch (error) {
        throw new CliFailure(`cannot serve metrics on ${values['metrics-host']}:${metricsPort}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      ctx.stderr.write(`chorus library scan: metrics at ${metrics.url}\n`);
    }
    try {
      return await scanAndWatch(ctx, storage, media, observer, dir, concurrency, values.watch);
    } finally {
      await metrics?.close();
    }
  });
}

async function scanAndWatch(ctx: CliContext, storage: CliStorage, media: MediaStore, observer: IngestObserver, dir: string, concurrency: number, keepWatching: boolean): Promise<number> {
  const scanOnce = async () => {
    const bar = progressBar(ctx.stderr, 'library scan', 'files');
    let phase = '';
    let summary: ScanSummary;
    try {
      summary = await scanLibrary({ events: storage.events, media, observer }, dir, {
        concurrency,
        signal: ctx.signal,
        onProgress: (p) => {
          if (p.phase !== phase) {
            phase = p.phase;
            bar.phase(p.phase, p.total);
          }
          bar.update(p.done, { note: `failed ${p.summary.failed.length}` });
        },
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') throw new CliFailure(`cannot read the folder ${dir}: ${code}`);
      throw error;
    } finally {
      bar.stop();
    }
    report(ctx, summary);
    return summary;
  };
  const first = await scanOnce();
  if (first.interrupted || ctx.signal.aborted) return signalExitCode(ctx.signal);
  if (!keepWatching) return EXIT_OK;
  const last = await watchFolder(ctx, dir, scanOnce);
  return last?.interrupted ? signalExitCode(ctx.signal) : EXIT_OK;
}

function report(ctx: CliContext, s: ScanSummary): void {
  const { failed, ...counts } = s;
  ctx.stdout.write(`${JSON.stringify({ ...counts, failed: failed.length })}\n`);
  const rate = s.transcoded.wallSeconds > 0 ? ` (${(s.transcoded.audioSeconds / s.transcoded.wallSeconds).toFixed(1)} s of audio per second)` : '';
  const lines = [
    `chorus library scan: ${s.files} files: ${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.unavailable} marked unavailable, ${failed.length} failed; ` +
      `${s.transcoded.files} transcoded in ${s.transcoded.wallSeconds.toFixed(1)} s${rate}${s.interrupted ? '; interrupted (scan again to finish)' : ''}`,
    ...failed.map((f) => `  failed: ${f.path}: ${f.reason}`),
  ];
  ctx.stderr.write(`${lines.join('\n')}\n`);
}

/**
 * Scans again a second after the last change under `dir`, one scan at a time, until the command
 * is stopped; the last scan's summary (interrupted when the stop came during it).
 */
async function watchFolder(ctx: CliContext, dir: string, scan: () => Promise<ScanSummary>): Promise<ScanSummary | undefined> {
  const watcher = watch(dir, { ignoreInitial: true, ignored: (path) => /(^|\/)\./.test(path.slice(dir.length)) });
  ctx.stderr.write(`chorus library scan: watching ${dir} (Ctrl-C to stop)\n`);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let last: ScanSummary | undefined;
  let again = false;
  const trigger = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (again) return;
      again = true;
      running = running
        .then(async () => {
          again = false;
          if (!ctx.signal.aborted) last = await scan();
        })
        // One scan that fails (the folder gone for a while) does not stop the watch.
        .catch((error: unknown) => ctx.logger.warn({ err: error }, 'library scan: a rescan failed'));
    }, 1_000);
  };
  watcher.on('all', trigger);
  watcher.on('error', (error) => ctx.logger.warn({ err: error }, 'library scan: watching failed'));
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  await watcher.close();
  await running.catch(() => undefined);
  return last;
}

export async function audioAttachCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parse('audio attach', args, {});
  if (positionals.length !== 2) throw new UsageError(`audio attach: expected TRACK_ID FILE, got ${positionals.length} arguments (see chorus audio attach --help)`);
  const [trackId, path] = positionals as [string, string];
  return withStorage(ctx, async (storage) => {
    const [outcome] = await attachAudioFiles({ events: storage.events, media: await ctx.media() }, [{ trackId, path }], { signal: ctx.signal, concurrency: 1 });
    if (ctx.signal.aborted) return signalExitCode(ctx.signal);
    if (!outcome || outcome.result === 'failed') {
      ctx.stderr.write(`chorus audio attach: ${path}: ${outcome?.reason ?? 'not attached'}; nothing changed\n`);
      return EXIT_FAILURE;
    }
    ctx.stdout.write(`${JSON.stringify({ trackId, result: outcome.result })}\n`);
    return EXIT_OK;
  });
}
