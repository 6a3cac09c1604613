/**
 * `chorus catalog import FILE.json`: checks the whole file, then decides every command in memory
 * against what each artist's stream (`catalog-<artistId>`) holds now — so conflicts with the
 * stored catalog are found before anything is written — and only then writes, artist by artist,
 * through handleCommand. Importing the same file again records nothing: the decider returns no
 * events for what is already there.
 */
import { readFile } from 'node:fs/promises';
import type { EventStore } from '../gateways/event-store/port.js';
import { uuidv7 } from '../gateways/event-store/uuid.js';
import { applyPlan, planImport, type Plan } from '../application/catalog/import.js';
import { CliFailure, EXIT_FAILURE, EXIT_OK, UsageError, parse } from './args.js';
import { byPlaceInFile, readCatalogFile, type Problem } from '../application/catalog/file.js';
import { signalExitCode, withStorage, type CliContext, type CliStorage } from './context.js';
import { attachAudioFiles, audioByTrackId } from '../application/library/attach.js';
import { progressBar } from './progress-bar.js';
import { ProgressReporter, count } from './output.js';

export const CATALOG_IMPORT_HELP = `Usage: chorus catalog import [options] FILE.json

Adds the artists and albums of FILE.json to the catalog. The whole file is checked first —
its shape, every field, and conflicts with the catalog already stored — and nothing is written
unless all of it can be. Importing the same file again changes nothing.

FILE.json: { "artists": [{ "id", "name", "genres"? }],
             "albums": [{ "id", "artistId", "title", "releaseDate", "genres"?,
                          "tracks": [{ "id", "title", "durationMs", "trackNumber", "genres"? }] }] }

Prints one JSON line on stdout:
  {"artists":{"added":n,"unchanged":m},"albums":{"added":n,"unchanged":m},"events":k}

With --audio-dir DIR, then transcodes and attaches DIR/<trackId>.<ext> (mp3, flac, m4a, ogg,
opus, wav, ...) to each track of the file that has one, and prints a second line:
  {"audio":{"attached":n,"unchanged":m,"failed":f,"missing":k}}
(each failed file is listed on stderr with its reason; tracks without a file are only counted).

Options:
  --dry-run         check and count, write nothing
  --audio-dir DIR   attach the audio files named after the tracks' ids
  -h, --help    show this help

Exit codes: 0 imported, 1 problems found (each listed on stderr with its path; nothing written)
or a failure, 2 usage error.`;


const ACTOR = 'chorus-cli';

export async function catalogImportCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parse('catalog import', args, { 'dry-run': { type: 'boolean', default: false }, 'audio-dir': { type: 'string' } });
  if (positionals.length !== 1) {
    throw new UsageError(`catalog import: expected one FILE.json, got ${positionals.length} arguments (see chorus catalog import --help)`);
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const read = readCatalogFile(text);
  if (!read.catalog) return reportProblems(ctx, file, read.problems);
  const catalog = read.catalog;

  try {
    return await withStorage(ctx, async (storage) => {
      const store = storage.events;
      const now = new Date().toISOString();
      const { plan, problems } = await planImport(store, catalog, now);
      const all = [...read.problems, ...problems].sort(byPlaceInFile);
      if (all.length > 0) return reportProblems(ctx, file, all);
      if (values['dry-run']) {
        ctx.stderr.write(`chorus catalog import: ${file} is valid (dry run: nothing written)\n`);
        printSummary(ctx, plan);
        return EXIT_OK;
      }
      const code = await write(ctx, store, plan);
      const audioDir = values['audio-dir'];
      if (code !== EXIT_OK || audioDir === undefined) return code;
      return attachFromFolder(ctx, storage, catalog.albums.flatMap((a) => a.tracks.map((t) => t.id)), audioDir);
    });
  } catch (error) {
    // The file's own problems are worth reporting even when the store cannot be opened.
    if (read.problems.length === 0 || !(error instanceof CliFailure)) throw error;
    return reportProblems(ctx, file, read.problems, `(the stored catalog was not checked: ${error.message})`);
  }
}


async function write(ctx: CliContext, store: EventStore, plan: Plan): Promise<number> {
  const totalArtists = plan.byArtist.size;
  const totalAlbums = plan.albums.added + plan.albums.unchanged;
  let current: Plan = { ...plan, artists: { added: 0, unchanged: 0 }, albums: { added: 0, unchanged: 0 }, events: 0 };
  let artistsDone = 0;
  const progress = new ProgressReporter(
    ctx.stderr,
    () =>
      `chorus catalog import: artists ${count(artistsDone)}/${count(totalArtists)}, ` +
      `albums ${count(current.albums.added + current.albums.unchanged)}/${count(totalAlbums)}, events written ${count(current.events)}`,
  ).start();
  let result;
  try {
    result = await applyPlan(store, plan, { actorId: ACTOR, correlationId: uuidv7() }, {
      signal: ctx.signal,
      onArtist: (done, n) => {
        current = done;
        artistsDone = n;
      },
    });
  } finally {
    progress.stop(true);
  }
  if (result.interrupted) {
    ctx.stderr.write(`chorus catalog import: interrupted; what is written stays (import the file again to finish)\n`);
    printSummary(ctx, result.done);
    return signalExitCode(ctx.signal);
  }
  if (result.failure) {
    ctx.stderr.write(
      `chorus catalog import: ${result.failure.path}: ${result.failure.reason}\n` +
        `The catalog changed while importing (another writer?). What was written before it stays; fix the file and import it again.\n`,
    );
    printSummary(ctx, result.done);
    return EXIT_FAILURE;
  }
  printSummary(ctx, result.done);
  return EXIT_OK;
}

async function attachFromFolder(ctx: CliContext, storage: CliStorage, trackIds: string[], dir: string): Promise<number> {
  let files;
  try {
    files = await audioByTrackId(dir, trackIds);
  } catch (error) {
    throw new CliFailure(`cannot read the folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const bar = progressBar(ctx.stderr, 'catalog import', 'files');
  bar.phase('attaching audio', files.found.length);
  let failed = 0;
  let outcomes;
  try {
    outcomes = await attachAudioFiles({ events: storage.events, media: await ctx.media() }, files.found, {
      signal: ctx.signal,
      onProgress: (done, _total, outcome) => {
        if (outcome.result === 'failed') failed += 1;
        bar.update(done, { note: `failed ${failed}` });
      },
    });
  } finally {
    bar.stop();
  }
  const n = (result: string) => outcomes.filter((o) => o.result === result).length;
  ctx.stdout.write(`${JSON.stringify({ audio: { attached: n('attached'), unchanged: n('unchanged'), failed: n('failed'), missing: files.missing.length } })}\n`);
  for (const o of outcomes.filter((x) => x.result === 'failed')) ctx.stderr.write(`chorus catalog import: ${o.path}: ${o.reason}\n`);
  if (ctx.signal.aborted) return signalExitCode(ctx.signal);
  return n('failed') > 0 ? EXIT_FAILURE : EXIT_OK;
}

function printSummary(ctx: CliContext, plan: Plan): void {
  ctx.stdout.write(`${JSON.stringify({ artists: plan.artists, albums: plan.albums, events: plan.events })}\n`);
}

function reportProblems(ctx: CliContext, file: string, problems: Problem[], note?: string): number {
  const lines = problems.map((p) => `  ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
  if (note) lines.push(note);
  const what = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  ctx.stderr.write(`chorus catalog import: ${file}: ${what}; nothing was written.\n${lines.join('\n')}\n`);
  return EXIT_FAILURE;
}
