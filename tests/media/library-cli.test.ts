/**
 * The media commands as a user runs them (`bin/chorus.mjs` as a child process, on Postgres and a
 * media folder): `library scan` with its progress bar and summary, `library scan --watch` with its
 * metrics, `catalog import --audio-dir`, `audio attach`, and a scan killed with SIGKILL in the
 * middle of an ingest, then scanned again. Runs whose point is an answer, not the process (a
 * rescan, refusals), call the same CLI in this process: a child costs seconds of start-up.
 * Clips are 1-3 s long: what is tested is the bookkeeping, not the encoder.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../app/cli-main.js';
import { CatalogView } from '../../application/library/catalog-view.js';
import type { AudioAttachment } from '../../domain/catalog/events.js';
import { fileChecksum } from '../../gateways/media/checksum.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { clip } from '../support/audio.js';
import { runChorusCli, startChorusCli, type CliRun } from '../support/cli.js';
import { writeLibrary } from '../support/library.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let db: TestDatabase;
let store: PostgresEventStore;
let dir: string;
let env: Record<string, string>;

const tags = (album: string, title: string, track: number) => ({ artist: 'Cli Band', album, title, track: String(track), date: '2020' });
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  db = await createTestDatabase('media_cli');
  store = await PostgresEventStore.open(createPgClient({ connectionString: db.url, applicationName: 'media-cli-reader', max: 2 }), { ownsClient: true });
  dir = await mkdtemp(join(tmpdir(), 'chorus-media-cli-'));
  env = { DATABASE_URL: db.url, CHORUS_MEDIA_DIR: join(dir, 'media'), CHORUS_DATA_DIR: join(dir, 'data') };
}, 60_000);

afterAll(async () => {
  await store?.close();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `chorus <args>` in this process (same parsing, storage and output as the child). */
async function runInProcess(args: readonly string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli(args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdout, stderr });
  return { code, signal: null, stdout: out, stderr: err };
}

/** What a running child printed so far, and a wait for what it has yet to print. */
function watchOutput(child: ChildProcess) {
  const seen = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (seen.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (seen.stderr += chunk.toString()));
  return {
    seen,
    async until(what: string, condition: () => boolean, timeoutMs = 90_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (child.exitCode !== null) throw new Error(`the command ended (${child.exitCode}) before ${what}:\n${seen.stderr}`);
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${seen.stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function untilNoProcessMentions(text: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ps = spawnSync('ps', ['-eo', 'args']).stdout.toString();
    if (!ps.split('\n').some((line) => line.startsWith('ffmpeg') && line.includes(text))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ffmpeg still writes under ${text}`);
}

/** Every attached track's renditions exist in the media folder with the checksum recorded. */
async function expectAttachedFilesWhole(view: CatalogView): Promise<number> {
  let checked = 0;
  for (const [, state] of view.artists) {
    if (state.status !== 'added') continue;
    for (const [trackId, track] of state.tracks) {
      const media = track.media as AudioAttachment | undefined;
      for (const r of media?.renditions ?? []) {
        if (r.format !== 'progressive') continue;
        const { checksum } = await fileChecksum(join(dir, 'media', 'tracks', trackId, r.file));
        expect(checksum, `${trackId}/${r.file}`).toBe(r.checksum);
        checked += 1;
      }
    }
  }
  return checked;
}

describe('chorus library scan', () => {
  let library: string;
  beforeAll(async () => {
    library = join(dir, 'library');
    await writeLibrary(library, {
      'One/01.flac': { format: 'flac', seconds: 2, tags: tags('One', 'First', 1) },
      'One/02.ogg': { format: 'ogg', seconds: 2, tags: tags('One', 'Second', 2) },
    });
    await writeFile(join(library, 'One/03.mp3'), Buffer.alloc(2_000, 7));
  });

  it('scans with a progress bar, prints the summary, and lists the corrupt file with its reason', async () => {
    const run = await runChorusCli(['library', 'scan', library, '--concurrency', '2'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toMatchObject([{ files: 3, added: 2, updated: 0, unchanged: 0, unavailable: 0, failed: 1 }]);
    expect(run.stderr).toMatch(/\d+\/\d+ files \| \d+% \| ETA /);
    expect(run.stderr).toContain('3 files: 2 added, 0 updated, 0 unchanged, 0 marked unavailable, 1 failed');
    expect(run.stderr).toContain(`failed: ${join(library, 'One/03.mp3')}: `);
  });

  it('a rescan of the unchanged folder writes nothing', async () => {
    const head = await store.headPosition();
    const run = await runInProcess(['library', 'scan', library]);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toMatchObject([{ added: 0, updated: 0, unchanged: 2, events: 0 }]);
    expect(await store.headPosition()).toBe(head);
  });

  it('refuses a folder that does not exist', async () => {
    const missing = await runInProcess(['library', 'scan', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read the folder');
  });
});

describe('chorus catalog import --audio-dir and chorus audio attach', () => {
  it('attaches DIR/<trackId>.<ext> after the import, then a file to a track by hand; again changes nothing', async () => {
    const catalog = {
      artists: [{ id: 'cli-artist', name: 'Json Artist' }],
      albums: [
        {
          id: 'cli-album',
          artistId: 'cli-artist',
          title: 'Json Album',
          releaseDate: '2001',
          tracks: [
            { id: 'cli-t1', title: 'With Audio', durationMs: 2_000, trackNumber: 1 },
            { id: 'cli-t2', title: 'Attached Later', durationMs: 2_000, trackNumber: 2 },
          ],
        },
      ],
    };
    const file = join(dir, 'catalog.json');
    await writeFile(file, JSON.stringify(catalog));
    const audio = join(dir, 'audio');
    await mkdir(audio, { recursive: true });
    await clip({ format: 'mp3', seconds: 2 }, join(audio, 'cli-t1.mp3'));
    const imported = await runInProcess(['catalog', 'import', file, '--audio-dir', audio]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(lines(imported.stdout)[1]).toStrictEqual({ audio: { attached: 1, unchanged: 0, failed: 0, missing: 1 } });

    const wav = await clip({ format: 'wav', seconds: 2, kind: 'tone' }, join(dir, 'later.wav'));
    const attached = await runChorusCli(['audio', 'attach', 'cli-t2', wav], env);
    expect(attached.code, attached.stderr).toBe(0);
    expect(lines(attached.stdout)).toStrictEqual([{ trackId: 'cli-t2', result: 'attached' }]);
    const head = await store.headPosition();
    expect(lines((await runInProcess(['audio', 'attach', 'cli-t2', wav])).stdout)).toStrictEqual([{ trackId: 'cli-t2', result: 'unchanged' }]);
    expect(await store.headPosition()).toBe(head);

    const view = await CatalogView.load(store);
    expect(view.track('cli-t1')?.media?.renditions?.map((r) => r.quality)).toStrictEqual(['low', 'low', 'high', 'high']);
    expect(view.track('cli-t2')?.media?.renditions?.map((r) => r.quality)).toContain('lossless');

    const unknown = await runInProcess(['audio', 'attach', 'no-such-track', wav]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('TRACK_NOT_FOUND');
    const corrupt = join(dir, 'corrupt.flac');
    await writeFile(corrupt, Buffer.alloc(3_000, 1));
    const bad = await runInProcess(['audio', 'attach', 'cli-t1', corrupt]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nothing changed');
    expect(await store.headPosition()).toBe(head);
  });
});

describe('chorus library scan --watch', () => {
  it('scans once for files added together, again for a removed file, serves ingest metrics, and ends with 0 on SIGTERM', async () => {
    const library = join(dir, 'watched');
    await writeLibrary(library, { 'W/01.mp3': { format: 'mp3', seconds: 1, tags: tags('Watched', 'One', 1) } });
    await writeFile(join(library, 'W/bad.flac'), Buffer.alloc(2_000, 3));
    const child = startChorusCli(['library', 'scan', library, '--watch', '--concurrency', '1', '--metrics-port', '0'], env);
    const out = watchOutput(child);
    const summaries = () => lines(out.seen.stdout);
    const metric = async (url: string, name: string) => {
      const text = await (await fetch(url)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.slice(name.length + 1));
    };
    try {
      await out.until('the first scan and the watch', () => out.seen.stderr.includes('watching'));
      const url = /metrics at (http:\S+)/.exec(out.seen.stderr)?.[1];
      expect(url, out.seen.stderr).toBeDefined();
      expect(summaries()).toMatchObject([{ files: 2, added: 1, failed: 1 }]);
      expect(await metric(url!, 'chorus_ingest_duration_seconds_count{outcome="transcoded"}')).toBe(1);
      expect(await metric(url!, 'chorus_ingest_failures_total{reason="AUDIO_UNREADABLE"}')).toBe(1);
      expect(await metric(url!, 'chorus_ingest_audio_seconds_total')).toBeCloseTo(1, 1);

      // Two files arrive within the debounce (each renamed in whole): one scan takes both.
      const [two, three] = await Promise.all([
        clip({ format: 'ogg', seconds: 1, tags: tags('Watched', 'Two', 2) }, join(dir, 'w-02.ogg')),
        clip({ format: 'wav', seconds: 1, kind: 'tone' }, join(dir, 'w-03.wav')),
      ]);
      await rename(two, join(library, 'W/02.ogg'));
      await rename(three, join(library, 'W/03.wav'));
      await out.until('a scan of the added files', () => summaries().length >= 2);
      expect(summaries()[1]).toMatchObject({ files: 4, added: 2, unchanged: 1, failed: 1 });
      expect(await metric(url!, 'chorus_ingest_duration_seconds_count{outcome="transcoded"}')).toBe(3);

      await rm(join(library, 'W/01.mp3'));
      await out.until('a scan after the removal', () => summaries().length >= 3);
      expect(summaries()[2]).toMatchObject({ files: 3, added: 0, unchanged: 2, unavailable: 1 });
      expect(summaries()).toHaveLength(3);
      expect(await metric(url!, 'chorus_ingest_failures_total{reason="AUDIO_UNREADABLE"}')).toBe(3);

      child.kill('SIGTERM');
      const [code] = (await once(child, 'close')) as [number | null];
      expect(code, out.seen.stderr).toBe(0);
      await expect(fetch(url!)).rejects.toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('SIGKILL during ingest', () => {
  it('leaves no half rendition visible, and the next scan finishes the job', async () => {
    const library = join(dir, 'killed');
    // Three short files, one at a time: the kill lands while the second or third is transcoded.
    await writeLibrary(
      library,
      Object.fromEntries([1, 2, 3].map((n) => [`Short/0${n}.flac`, { format: 'flac' as const, seconds: 3, frequency: 200 + n * 50, tags: tags('Short', `Short ${n}`, n) }])),
    );
    const tmp = join(dir, 'media', '.tmp');
    const child = startChorusCli(['library', 'scan', library, '--concurrency', '1'], env);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Kill it while ffmpeg writes into a scratch folder after a track is attached (the second's or the third's).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const scratch = (await readdir(tmp).catch(() => [] as string[])).filter((n) => !n.endsWith('.part'));
      if (scratch.length > 0 && [...(await CatalogView.load(store)).filesByPath().keys()].some((p) => p.startsWith(library))) break;
      if (child.exitCode !== null) throw new Error(`the scan ended before it could be killed:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no ingest seen:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await once(child, 'close');
    // The ffmpeg it had started is orphaned, not killed: let it finish writing into the scratch folder.
    await untilNoProcessMentions(tmp);

    const before = await CatalogView.load(store);
    const attachedBefore = [...before.filesByPath().values()].filter((f) => f.source.path.startsWith(library));
    expect(attachedBefore.length).toBeGreaterThanOrEqual(1);
    expect(attachedBefore.length).toBeLessThan(3);
    await expectAttachedFilesWhole(before);
    expect((await readdir(tmp)).length).toBeGreaterThan(0);

    const run = await runInProcess(['library', 'scan', library]);
    expect(run.code, run.stderr).toBe(0);
    const [summary] = lines(run.stdout);
    expect(summary).toMatchObject({ files: 3, failed: 0, unchanged: attachedBefore.length });
    expect(Number(summary!.added) + Number(summary!.updated)).toBe(3 - attachedBefore.length);
    const after = await CatalogView.load(store);
    expect([...after.filesByPath().values()].filter((f) => f.source.path.startsWith(library))).toHaveLength(3);
    expect(await expectAttachedFilesWhole(after)).toBeGreaterThanOrEqual(6);
    // What the killed process left in the temporary folder was swept.
    expect(await readdir(tmp)).toStrictEqual([]);
    const again = await runInProcess(['library', 'scan', library]);
    expect(lines(again.stdout)).toMatchObject([{ events: 0, unchanged: 3 }]);
  });
});
