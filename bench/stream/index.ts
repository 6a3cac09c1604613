/**
 * `npm run bench -- stream`: music in, music out, against nginx serving the same files.
 *
 * 1. Ingest: clips generated with ffmpeg, scanned into a fresh database and media folder by the
 *    library scan (its worker pool: one ffmpeg job per core): seconds of audio per wall second.
 * 2. Chorus started as bench/http does (its own process, `npm start`'s code, logs to a file), and
 *    nginx (Debian's, sendfile on) on the media folder: the physical-limit peer.
 * 3. Stream start: for Chorus `GET /v1/tracks/:id/stream`, then the first Range request of the
 *    URL it gives, timed to the first byte of media; for nginx the Range request alone. p50/p99,
 *    twice: 200 listeners at a steady 200 starts/s (open loop: what a listener waits; the target,
 *    p99 < 50 ms), and 200 listeners all starting one stream after another (closed loop: the
 *    server's capacity in starts/s, where latency is queueing behind the other 199).
 * 4. Range reads: 64 KiB windows of the progressive files over 200 keep-alive connections
 *    (node:http in the load process), MB/s and requests/s, Chorus over nginx (target >= 0.5x),
 *    with the cores each process used and the server's CPU per answer (which holds still when
 *    the load generator, not the server, is the limit).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import pg from 'pg';
import { ensureDebianPackages } from '../../tools/packages/debian.mjs';
import { ADMIN_URL, createTestDatabase } from '../../tests/support/postgres.js';
import type { LoadRequest, ServerTasks } from '../http/protocol.js';
import { coresUsed, machineCoresBusy, machineCpu, postgresBackendCpu, postgresCoresUsed } from '../http/usage.js';
import { sampleCpu } from '../lib/process-cpu.js';
import { log, target, writeResults } from '../lib/results.js';
import { beginRun } from '../lib/run-context.js';
import { spawnChild, type Child } from '../lib/rpc.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { formatMs, formatRate, formatRatio, formatTable } from '../lib/table.js';
import { sleep } from '../lib/timing.js';
import { generateClips, ingest, type IngestFigures } from './library.js';
import { startNginx, type Nginx } from './nginx.js';
import type { StartPlan, StartSchedule, StreamLoadTasks } from './protocol.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const config = {
  tracks: env('BENCH_STREAM_TRACKS', 8),
  trackSeconds: env('BENCH_STREAM_TRACK_SECONDS', 60),
  listeners: env('BENCH_STREAM_LISTENERS', 200),
  startsPerListener: env('BENCH_STREAM_STARTS', 10),
  startsPerSecond: env('BENCH_STREAM_RATE', 200),
  pacedSeconds: env('BENCH_STREAM_PACED_SECONDS', 10),
  connections: env('BENCH_STREAM_CONNECTIONS', 200),
  seconds: env('BENCH_STREAM_SECONDS', 10),
  warmupSeconds: env('BENCH_STREAM_WARMUP_SECONDS', 2),
  rangeBytes: env('BENCH_STREAM_RANGE_KIB', 64) * 1024,
};
const RATIO_TARGET = 0.5;
const START_P99_TARGET_MS = 50;
/**
 * Where to write a CPU profile of the server (`.cpuprofile`), if anywhere, and of which phase:
 * Chorus's stream starts at a steady rate (`starts`, the default) or its Range reads (`ranges`).
 */
const PROFILE = process.env.BENCH_STREAM_PROFILE;
const PROFILE_PHASE = process.env.BENCH_STREAM_PROFILE_PHASE === 'ranges' ? 'ranges' : 'starts';
const SERVER = new URL('../http/server.ts', import.meta.url);
const LOAD = new URL('./load.ts', import.meta.url);
const MB = 1e6;

interface Offer {
  url: string;
  bytes: number;
}

interface Track {
  trackId: string;
  /** The low-quality progressive file (a free listener's), in the media folder: `tracks/<id>/<file>`. */
  file: string;
  bytes: number;
}

interface StartFigures {
  firstByteMs: LatencySummary;
  offerMs?: LatencySummary;
  starts: number;
  statuses: Record<string, number>;
  errors: number;
  startsPerSecond: number;
  cores: Cores;
  /** CPU of the server and (Chorus) its Postgres backends per stream start (µs). */
  cpuMicrosPerStart: number;
}

interface RangeFigures {
  megabytesPerSecond: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  statuses: Record<string, number>;
  errors: number;
  /** Cores used during the measured run (1.0 = one core busy). */
  cores: { server: number; load: number; machine: number };
  /** The server's CPU time per answer (µs), and MB served per second of its CPU. */
  serverMicrosPerRequest: number;
  megabytesPerServerCpuSecond: number;
}

export async function run(): Promise<void> {
  const context = await beginRun(['http/routes/streaming.ts', 'application/streaming', 'application/library', 'gateways/media', 'bench/stream']);
  ensureDebianPackages(['ffmpeg', 'ffprobe', 'nginx'], { log });
  const dir = await mkdtemp(join(tmpdir(), 'chorus-bench-stream-'));
  const mediaDir = join(dir, 'media');
  const database = await createTestDatabase('bench_stream');
  const load = await spawnChild<StreamLoadTasks>(LOAD, ['stream-load']);
  let server: Child<ServerTasks> | undefined;
  let nginx: Nginx | undefined;
  try {
    log(`generating ${config.tracks} clips of ${config.trackSeconds} s (ffmpeg)`);
    await generateClips(join(dir, 'library'), config.tracks, config.trackSeconds);
    log('ingest: library scan into a fresh database and media folder');
    const ingested = await ingest(database.url, join(dir, 'library'), mediaDir);
    log(`ingest: ${ingested.audioSeconds.toFixed(0)} s of audio in ${ingested.wallSeconds.toFixed(1)} s: ${ingested.speed.toFixed(1)}x real time, ${ingested.perCore.toFixed(1)}x per core`);

    server = await spawnChild<ServerTasks>(SERVER, ['server']);
    const secret = randomBytes(32).toString('base64url');
    const { url } = await server.call('start', {
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: database.url,
        CHORUS_DATA_DIR: join(dir, 'data'),
        CHORUS_MEDIA_DIR: mediaDir,
        CHORUS_DEMO_CATALOG: '0',
        CHORUS_DEV_TOKEN_SECRET: secret,
        CHORUS_RATE_LIMIT_WRITES: String(1_000_000_000),
        CHORUS_NODE_ID: 'bench-stream',
        LOG_LEVEL: 'warn',
      },
      logFile: join(dir, 'chorus.log'),
    });
    log(`Chorus listening on ${url}`);
    const trackIds = await catalogTracks(database.url, config.tracks);
    const tokens = await listenerTokens(url, config.listeners);
    const offers = await offersOf(url, tokens, trackIds);
    const tracks: Track[] = trackIds.map((trackId, t) => ({ trackId, file: mediaFile(offers[0]![t]!.url), bytes: offers[0]![t]!.bytes }));
    nginx = await startNginx(mediaDir, dir);
    log(`${nginx.version} on ${nginx.url}`);

    // Stream starts, Chorus then nginx: at a steady rate, then all at once.
    const chorusMeasured: Measured = { kind: 'chorus', server, database: database.name };
    const nginxMeasured: Measured = { kind: 'nginx', pid: nginx.pid };
    const chorusPlan: StartPlan = { kind: 'chorus', base: url, listeners: tokens.map((token) => ({ token })), trackIds };
    const nginxPlan: StartPlan = { kind: 'nginx', base: nginx.url, listeners: config.listeners, paths: tracks.map((t) => `/${t.file}`) };
    const steady: StartSchedule = { kind: 'paced', perSecond: config.startsPerSecond, seconds: config.pacedSeconds };
    const burst: StartSchedule = { kind: 'burst', rounds: config.startsPerListener };
    log(`stream starts: ${config.listeners} listeners, ${config.startsPerSecond}/s for ${config.pacedSeconds} s`);
    const chorusSteady = await profiled(server, 'starts', () => starts(load, chorusPlan, steady, chorusMeasured));
    const nginxSteady = await starts(load, nginxPlan, steady, nginxMeasured);
    log(`stream starts: ${config.listeners} listeners at once x ${config.startsPerListener}`);
    const chorusBurst = await starts(load, chorusPlan, burst, chorusMeasured);
    const nginxBurst = await starts(load, nginxPlan, burst, nginxMeasured);
    const startFigures = { steady: { chorus: chorusSteady, nginx: nginxSteady }, burst: { chorus: chorusBurst, nginx: nginxBurst } };

    // Range reads: the same windows of the same files through each server.
    const [chorusRequests, nginxRequests] = rangeRequests(tracks, offers);
    log(`range reads: ${config.connections} connections, ${config.rangeBytes / 1024} KiB each, ${config.seconds} s after ${config.warmupSeconds} s of warm-up`);
    const chorusRanges = await profiled(server, 'ranges', () => ranges(load, url, chorusRequests, chorusMeasured));
    const nginxRanges = await ranges(load, nginx.url, nginxRequests, nginxMeasured);
    const ratio = chorusRanges.megabytesPerSecond / nginxRanges.megabytesPerSecond;

    const targets = [
      target(`stream start p99 < ${START_P99_TARGET_MS} ms at ${config.startsPerSecond} starts/s`, chorusSteady.firstByteMs.p99, '<', START_P99_TARGET_MS),
      target(`range reads MB/s >= ${RATIO_TARGET}x nginx`, ratio, '>=', RATIO_TARGET),
    ];
    report(ingested, startFigures, { chorus: chorusRanges, nginx: nginxRanges }, ratio);
    for (const t of targets) console.error(`${t.met ? 'met' : 'MISSED'}: ${t.target} (${formatRatio(t.actual)})`);
    await writeResults('stream', {
      benchmark: 'stream',
      startedAt: context.startedAt.toISOString(),
      machine: context.machine,
      code: context.code,
      config,
      peer: nginx.version,
      ingest: ingested,
      streamStart: {
        measured: { chorus: 'GET /v1/tracks/:id/stream, then the first Range request of its URL, to the first byte of media', nginx: 'the Range request alone, to the first byte' },
        steady: { schedule: steady, ...startFigures.steady },
        burst: { schedule: burst, ...startFigures.burst },
      },
      rangeReads: { chorus: chorusRanges, nginx: nginxRanges, ratio, perServerCpuRatio: chorusRanges.megabytesPerServerCpuSecond / nginxRanges.megabytesPerServerCpuSecond },
      targets,
    });
  } finally {
    await nginx?.stop();
    if (server) {
      await server.call('stop', {}).catch(() => undefined);
      await server.stop();
    }
    await load.stop();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `work`, under the CPU profiler when BENCH_STREAM_PROFILE names a file and `phase` is the one asked for. */
async function profiled<T>(server: Child<ServerTasks>, phase: 'starts' | 'ranges', work: () => Promise<T>): Promise<T> {
  if (!PROFILE || phase !== PROFILE_PHASE) return work();
  await server.call('startProfile', {});
  const result = await work();
  await server.call('stopProfile', { file: PROFILE });
  log(`CPU profile of Chorus's ${phase} written to ${PROFILE}`);
  return result;
}

/** The catalog's track ids once the projections have them all (Chorus catches up on start). */
async function catalogTracks(databaseUrl: string, count: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'chorus-bench-stream' });
  await client.connect();
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const rows = await client.query<{ track_id: string }>('select track_id from catalog_tracks order by track_number').catch(() => ({ rows: [] }));
      if (rows.rows.length >= count) return rows.rows.map((r) => r.track_id);
      if (Date.now() > deadline) throw new Error(`the catalog has ${rows.rows.length} of ${count} tracks after 120 s`);
      await sleep(200);
    }
  } finally {
    await client.end();
  }
}

async function listenerTokens(base: string, count: number): Promise<string[]> {
  const limit = pLimit(8);
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const response = await fetch(`${base}/v1/auth/dev-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `bench-listener-${i}`, displayName: `Listener ${i}` }),
        });
        if (!response.ok) throw new Error(`dev-token: ${response.status} ${await response.text()}`);
        return ((await response.json()) as { token: string }).token;
      }),
    ),
  );
}

/**
 * Every listener's offer of every track: `offers[listener][track]`. The first listener asks until
 * every track has its audio in the read model (a track may be listed before its audio is).
 */
async function offersOf(base: string, tokens: string[], trackIds: string[]): Promise<Offer[][]> {
  const offer = async (token: string, trackId: string, patient = false): Promise<Offer> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await fetch(`${base}/v1/tracks/${trackId}/stream`, { headers: { authorization: `Bearer ${token}` } });
      if (response.ok) return (await response.json()) as Offer;
      const text = await response.text();
      if (!patient || response.status !== 409 || Date.now() > deadline) throw new Error(`stream of ${trackId}: ${response.status} ${text}`);
      await sleep(200);
    }
  };
  const first = [];
  for (const trackId of trackIds) first.push(await offer(tokens[0]!, trackId, true));
  const limit = pLimit(16);
  const rest = await Promise.all(tokens.slice(1).map((token) => Promise.all(trackIds.map((trackId) => limit(() => offer(token, trackId))))));
  return [first, ...rest];
}

/** `/media/{grant}/{trackId}/{file}` -> `tracks/{trackId}/{file}`, its place in the media folder. */
function mediaFile(url: string): string {
  const [, media, , trackId, ...file] = url.split('/');
  if (media !== 'media' || !trackId || file.length === 0) throw new Error(`unexpected media URL ${url}`);
  return `tracks/${trackId}/${file.join('/')}`;
}

/** A small seeded generator (the windows are the same on every run and for both servers). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Per connection, 16 windows over the tracks: Chorus's signed URLs (that listener's) and nginx's paths. */
function rangeRequests(tracks: Track[], offers: Offer[][]): [LoadRequest[][], LoadRequest[][]] {
  const random = seeded(11);
  const chorus: LoadRequest[][] = [];
  const nginx: LoadRequest[][] = [];
  for (let c = 0; c < config.connections; c += 1) {
    const listener = offers[c % offers.length]!;
    const ours: LoadRequest[] = [];
    const theirs: LoadRequest[] = [];
    for (let k = 0; k < 16; k += 1) {
      const t = (c + k) % tracks.length;
      const windows = Math.floor(tracks[t]!.bytes / config.rangeBytes);
      const from = Math.floor(random() * windows) * config.rangeBytes;
      const headers = { range: `bytes=${from}-${from + config.rangeBytes - 1}` };
      ours.push({ method: 'GET', path: listener[t]!.url, headers });
      theirs.push({ method: 'GET', path: `/${tracks[t]!.file}`, headers });
    }
    chorus.push(ours);
    nginx.push(theirs);
  }
  return [chorus, nginx];
}

type Measured = { kind: 'chorus'; server: Child<ServerTasks>; database: string } | { kind: 'nginx'; pid: number };

interface Cores {
  /** Chorus's process, or nginx's master and workers. */
  server: number;
  /** The Postgres backends of the benchmark's database (Chorus only). */
  postgres: number;
  machine: number;
}

/** CPU seconds the server has used so far. */
async function serverCpuSeconds(measured: Measured): Promise<number> {
  if (measured.kind === 'nginx') return sampleCpu({ nginx: (p) => p.command === 'nginx' }).groups.nginx!;
  const { cpu } = await measured.server.call('usage', {});
  return (cpu.user + cpu.system) / 1e6;
}

/** Runs `work`, with the cores the server, its Postgres backends and the machine used meanwhile. */
async function withCores<T>(measured: Measured, work: () => Promise<T>): Promise<{ result: T; seconds: number; cores: Cores }> {
  const pgBefore = measured.kind === 'chorus' ? await postgresBackendCpu(ADMIN_URL, measured.database) : undefined;
  const machineBefore = machineCpu();
  const serverBefore = await serverCpuSeconds(measured);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const server = (await serverCpuSeconds(measured)) - serverBefore;
  const machine = machineCoresBusy(machineBefore, machineCpu());
  const postgres = pgBefore ? postgresCoresUsed(pgBefore, await postgresBackendCpu(ADMIN_URL, (measured as { database: string }).database), seconds) : 0;
  return { result, seconds, cores: { server: server / seconds, postgres, machine } };
}

/** Stream starts: one untimed round first (connections opened, files in the page cache), then the measured ones. */
async function starts(load: Child<StreamLoadTasks>, plan: StartPlan, schedule: StartSchedule, measured: Measured): Promise<StartFigures> {
  await load.call('starts', { plan, schedule: { kind: 'burst', rounds: 1 }, rangeBytes: config.rangeBytes });
  const { result, seconds, cores } = await withCores(measured, () => load.call('starts', { plan, schedule, rangeBytes: config.rangeBytes }));
  const figures: StartFigures = {
    firstByteMs: summarize(result.firstByteMs),
    ...(result.offerMs.length > 0 ? { offerMs: summarize(result.offerMs) } : {}),
    starts: result.firstByteMs.length,
    statuses: result.statuses,
    errors: result.errors,
    startsPerSecond: result.firstByteMs.length / result.seconds,
    cores,
    cpuMicrosPerStart: ((cores.server + cores.postgres) * seconds * 1e6) / result.firstByteMs.length,
  };
  log(
    `${measured.kind} stream starts (${schedule.kind}): p50 ${formatMs(figures.firstByteMs.p50)} ms, p99 ${formatMs(figures.firstByteMs.p99)} ms, ${formatRate(figures.startsPerSecond)}/s; ` +
      `cores: server ${cores.server.toFixed(2)}, postgres ${cores.postgres.toFixed(2)}, machine ${cores.machine.toFixed(2)}`,
  );
  return figures;
}

/** A warm-up, then the measured run, with the cores the server, the load process and the machine used. */
async function ranges(load: Child<StreamLoadTasks>, base: string, perConnection: LoadRequest[][], measured: Measured): Promise<RangeFigures> {
  const call = (seconds: number) => load.call('ranges', { base, connections: config.connections, seconds, perConnection });
  await call(config.warmupSeconds);
  const { result, seconds, cores } = await withCores(measured, () => call(config.seconds));
  const figures: RangeFigures = {
    megabytesPerSecond: result.bodyBytes / MB / result.seconds,
    requestsPerSecond: result.responses / result.seconds,
    latencyMs: result.latency,
    statuses: result.statuses,
    errors: result.errors,
    cores: { server: cores.server, load: coresUsed(result.usage, result.seconds), machine: cores.machine },
    serverMicrosPerRequest: (cores.server * seconds * 1e6) / result.responses,
    megabytesPerServerCpuSecond: result.bodyBytes / MB / (cores.server * seconds),
  };
  log(
    `${measured.kind} range reads: ${figures.megabytesPerSecond.toFixed(0)} MB/s, ${formatRate(figures.requestsPerSecond)} req/s, p99 ${formatMs(figures.latencyMs.p99)} ms; ` +
      `cores: server ${cores.server.toFixed(2)}, load ${figures.cores.load.toFixed(2)}, machine ${cores.machine.toFixed(2)}`,
  );
  return figures;
}

type StartsByServer = Record<'chorus' | 'nginx', StartFigures>;

function report(ingested: IngestFigures, starts: { steady: StartsByServer; burst: StartsByServer }, reads: Record<'chorus' | 'nginx', RangeFigures>, ratio: number): void {
  const startTable = formatTable(
    ['stream start (first byte)', 'p50 ms', 'p99 ms', 'stream request p50', 'p99', 'starts/s', 'server cores', 'postgres', 'µs CPU/start', 'non-206', 'errors'],
    (['steady', 'burst'] as const).flatMap((schedule) =>
      (['chorus', 'nginx'] as const).map((kind) => {
        const s = starts[schedule][kind];
        const non206 = Object.entries(s.statuses).reduce((sum, [status, n]) => (status === '206' ? sum : sum + n), 0);
        const how = schedule === 'steady' ? `${config.startsPerSecond}/s` : 'all at once';
        return [
          `${kind === 'chorus' ? 'Chorus: stream request + first Range' : 'nginx: first Range'} (${how})`,
          formatMs(s.firstByteMs.p50),
          formatMs(s.firstByteMs.p99),
          s.offerMs ? formatMs(s.offerMs.p50) : '',
          s.offerMs ? formatMs(s.offerMs.p99) : '',
          formatRate(s.startsPerSecond),
          s.cores.server.toFixed(2),
          kind === 'chorus' ? s.cores.postgres.toFixed(2) : '',
          formatRate(s.cpuMicrosPerStart),
          String(non206),
          String(s.errors),
        ];
      }),
    ),
  );
  const readTable = formatTable(
    [`${config.rangeBytes / 1024} KiB Range reads, ${config.connections} connections`, 'MB/s', 'req/s', 'p50 ms', 'p99 ms', 'server cores', 'µs/answer', 'MB per CPU s', 'load cores', 'machine'],
    (['chorus', 'nginx'] as const).map((kind) => {
      const r = reads[kind];
      return [kind === 'chorus' ? 'Chorus' : 'nginx (sendfile)', r.megabytesPerSecond.toFixed(0), formatRate(r.requestsPerSecond), formatMs(r.latencyMs.p50), formatMs(r.latencyMs.p99), r.cores.server.toFixed(2), formatRate(r.serverMicrosPerRequest), formatRate(r.megabytesPerServerCpuSecond), r.cores.load.toFixed(2), r.cores.machine.toFixed(2)];
    }),
  );
  const perCpu = reads.chorus.megabytesPerServerCpuSecond / reads.nginx.megabytesPerServerCpuSecond;
  console.error(`\n${startTable}\n\n${readTable}\nChorus / nginx: ${formatRatio(ratio)} (MB/s); ${formatRatio(perCpu)} (MB per server CPU second)\n`);
  console.error(
    `ingest: ${ingested.files} files, ${ingested.audioSeconds.toFixed(0)} s of audio in ${ingested.wallSeconds.toFixed(1)} s with a pool of ${ingested.pool}: ` +
      `${ingested.speed.toFixed(1)}x real time, ${ingested.perCore.toFixed(1)}x per core (${availableParallelism()} cores; ${ingested.coresBusy.toFixed(2)} busy on average during the scan)`,
  );
}
