/**
 * `npm run bench -- recs`: recommendation quality and speed on planted listening histories.
 *
 * 1. A seeded history with planted structure (config.ts: BENCH_RECS_SCALE tiny|small|medium|full,
 *    full = 100,000 listeners x 50,000 tracks x 10,000,000 plays), split by time: the last 10% of
 *    days is the test. The listening model reads the training plays as the projection would.
 * 2. Full-catalogue top-10 lists for a seeded sample of listeners with something new in the test
 *    period: Recall@10, NDCG@10, coverage, intra-list diversity, popularity bias, for our variants
 *    (normalisations, diversity re-ranking, the blend), random, most popular, the oracle that knows
 *    the planted clusters (the ceiling), and the peer in the same run on the same split: the
 *    `implicit` library's ALS and BM25 item-item when it installs, else a labelled stand-in.
 * 3. Cold start: listeners with no training play, against most popular.
 * 4. Latency of a "for you" list at this scale, the model's memory, and freshness on a real
 *    PostgreSQL store (a play appended until that listener's recommendations show it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../projections/random.js';
import { log, target, writeResults, type Target } from '../lib/results.js';
import { beginRun } from '../lib/run-context.js';
import { summarize } from '../lib/stats.js';
import { formatTable } from '../lib/table.js';
import { mostPopularLists, oracleLists, randomLists } from './baselines.js';
import { readConfig } from './config.js';
import { buildDataset, type Dataset } from './dataset.js';
import { measureFreshness, type Freshness } from './freshness.js';
import { evaluateLists, popularityPercentiles, relevantPopularity, type ListMetrics } from './metrics.js';
import { ourLists, type Variant } from './ours.js';
import { runPeer, type PeerOutcome } from './peer.js';
import { declareTastes, followEvents, popularInGenresLists, seededGenreLists } from './cold-start.js';

const SERVED: Variant = { name: 'ours: item-kNN asymmetric + blend + MMR (served)', normalisation: 'asymmetric', diversity: { kind: 'mmr', lambda: 0.85 }, blend: true };
const VARIANTS: Variant[] = [
  SERVED,
  { name: 'ours: item-kNN asymmetric + blend, no re-ranking', normalisation: 'asymmetric', diversity: { kind: 'none' }, blend: true },
  { name: 'ours: item-kNN asymmetric + blend + artist cap 2', normalisation: 'asymmetric', diversity: { kind: 'artist-cap', maxPerArtist: 2 }, blend: true },
  { name: 'ours: item-kNN asymmetric alone', normalisation: 'asymmetric', diversity: { kind: 'none' }, blend: false },
  { name: 'ours: item-kNN cosine alone', normalisation: 'cosine', diversity: { kind: 'none' }, blend: false },
  { name: 'ours: item-kNN BM25 alone', normalisation: 'bm25', diversity: { kind: 'none' }, blend: false },
];

interface Row extends ListMetrics {
  name: string;
}

function sample(keys: Iterable<number>, count: number, seed: number): number[] {
  const all = [...keys].sort((a, b) => a - b);
  const random = createRandom(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}

/**
 * Cold start, each kind of listener on its own: nothing declared, genres declared (a radio on
 * them), artists followed; against most popular and plain "popular in the declared genres".
 * Follows are applied to the model here, after the warm evaluation (they touch only these
 * listeners' profiles).
 */
function evaluateColdStart(dataset: Dataset, users: readonly number[], percentile: Float64Array, seed: number) {
  const truth = { relevant: new Map(users.map((u) => [u, dataset.coldRelevant.get(u)!])), catalog: dataset.catalog, popularity: dataset.trainPopularity };
  const declared = declareTastes(dataset, users, seed);
  const rows: Row[] = [];
  const add = (name: string, lists: Map<number, number[]>) => {
    const metrics = evaluateLists(lists, truth, percentile);
    rows.push({ name, ...metrics });
    log(`recs: cold start: ${name}: NDCG@10 ${metrics.ndcg.toFixed(4)}, Recall@10 ${metrics.recall.toFixed(4)}`);
  };
  add('most popular', mostPopularLists(dataset, users));
  add('ours, nothing declared (served)', ourLists(dataset, users, SERVED).lists);
  add('popular in the declared genres (train counts, no model)', popularInGenresLists(dataset, users, declared));
  add('ours, genres declared: radio on seedGenres (served)', seededGenreLists(dataset, users, declared, SERVED));
  dataset.model.apply(followEvents(dataset, declared));
  add('ours, 3 artists followed (served)', ourLists(dataset, users, SERVED).lists);
  const popular = rows[0]!.ndcg;
  const ratio = (name: string) => rows.find((r) => r.name.startsWith(name))!.ndcg / popular;
  return {
    users: users.length,
    declared: { genres: 2, artistsFollowed: 3 },
    models: rows,
    genresVsMostPopular: ratio('ours, genres declared'),
    followsVsMostPopular: ratio('ours, 3 artists followed'),
  };
}

export async function run(): Promise<void> {
  const config = readConfig();
  const context = await beginRun(['projections/recommendations', 'application/recommendations', 'bench/recs']);
  const g = config.generator;
  log(`recs: scale ${config.scale}: ${g.users} listeners, ${g.tracks} tracks, ~${g.plays} plays, ${g.clusters} clusters over ${g.genres} genres`);
  const workDir = mkdtempSync(join(tmpdir(), 'chorus-bench-recs-'));
  try {
    const trainFile = join(workDir, 'train.bin');
    const dataset = buildDataset(g, config.testShare, { trainFile, keepPlays: config.serverPlays, onProgress: (n) => log(`recs: ${n} training plays applied`) });
    const { stats } = dataset;
    log(`recs: ${stats.plays} plays (${stats.trainPlays} train, ${stats.testPlays} test, ${stats.skips} skips); model applied ${Math.round(stats.applyPlaysPerSecond)} plays/s`);
    const memory = dataset.model.memory();
    log(`recs: model memory ${(memory.totalBytes / 2 ** 20).toFixed(1)} MiB (${memory.trackPairs} track pairs)`);

    const users = sample(dataset.relevant.keys(), config.evalUsers, g.seed + 1);
    const relevant = new Map(users.map((u) => [u, dataset.relevant.get(u)!]));
    const truth = { relevant, catalog: dataset.catalog, popularity: dataset.trainPopularity };
    const percentile = popularityPercentiles(dataset.trainPopularity);
    const rows: Row[] = [];
    const add = (name: string, lists: Map<number, number[]>) => {
      const metrics = evaluateLists(lists, truth, percentile);
      rows.push({ name, ...metrics });
      log(`recs: ${name}: NDCG@10 ${metrics.ndcg.toFixed(4)}, Recall@10 ${metrics.recall.toFixed(4)}`);
    };
    add('random', randomLists(dataset, users, g.seed + 2));
    const popular = mostPopularLists(dataset, users);
    add('most popular', popular);
    add('oracle (knows the planted clusters)', oracleLists(dataset, users));
    let latency = summarize([0]);
    for (const variant of VARIANTS) {
      const { lists, latenciesMs } = ourLists(dataset, users, variant);
      add(variant.name, lists);
      if (variant === SERVED) latency = summarize(latenciesMs.slice(Math.min(50, latenciesMs.length - 1)));
    }

    const coldUsers = sample(dataset.coldRelevant.keys(), Math.min(config.evalUsers, 1_000), g.seed + 3);
    const cold = evaluateColdStart(dataset, coldUsers, percentile, g.seed + 4);

    let peer: PeerOutcome = { ran: false, reason: 'BENCH_RECS_PEER=0' };
    if (config.peer) {
      peer = await runPeer({ variants: ['als', 'als[factors=64;alpha=10;regularization=0.1;iterations=10]', 'bm25'], trainFile, evalUsers: users, users: g.users, tracks: g.tracks, workDir, seed: g.seed });
      if (peer.ran) for (const model of peer.run.models) add(`peer: ${peer.run.library ? peer.run.label : 'STAND-IN (not implicit)'} ${model.name}`, model.lists);
    }

    let freshness: Freshness | undefined;
    if (config.serverPlays > 0) {
      const counts = new Map<number, number>();
      for (const play of dataset.keptPlays) if (play.msPlayed >= 30_000) counts.set(play.track, (counts.get(play.track) ?? 0) + 1);
      const popularTracks = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 50).map(([track]) => track);
      freshness = await measureFreshness(dataset, { popularTracks, trials: 30 });
      log(`recs: freshness p50 ${freshness.playToRecommendationMs.p50.toFixed(1)} ms, p99 ${freshness.playToRecommendationMs.p99.toFixed(1)} ms`);
    }

    const served = rows.find((r) => r.name === SERVED.name)!;
    const popularRow = rows.find((r) => r.name === 'most popular')!;
    const peerRows = rows.filter((r) => r.name.startsWith('peer:'));
    const bestPeer = peerRows.reduce<Row | undefined>((best, r) => (!best || r.ndcg > best.ndcg ? r : best), undefined);
    const targets: Target[] = [
      target('NDCG@10 / most popular', served.ndcg / popularRow.ndcg, '>=', 2),
      ...(bestPeer ? [target(`NDCG@10 / best peer (${bestPeer.name})`, served.ndcg / bestPeer.ndcg, '>=', 1)] : []),
      target('cold start, genres declared: NDCG@10 / most popular', cold.genresVsMostPopular, '>=', 1),
      target('cold start, artists followed: NDCG@10 / most popular', cold.followsVsMostPopular, '>=', 1),
      target('for-you latency p99 (ms)', latency.p99, '<', config.scale === 'full' ? 20 : 500),
      ...(freshness ? [target('play to recommendation p99 (ms)', freshness.playToRecommendationMs.p99, '<', 1_000)] : []),
    ];
    const table = formatTable(
      ['model', 'NDCG@10', 'Recall@10', 'coverage', 'ILD', 'artists/list', 'popularity pct'],
      rows.map((r) => [r.name, r.ndcg.toFixed(4), r.recall.toFixed(4), r.coverage.toFixed(3), r.ild.toFixed(3), r.artistDiversity.toFixed(2), r.popularityPercentile.toFixed(3)]),
    );
    console.error(table);
    for (const t of targets) log(`target ${t.target}: ${t.actual.toFixed(3)} ${t.comparison} ${t.required}: ${t.met ? 'met' : 'MISSED'}`);
    await writeResults('recs', {
      benchmark: 'recs',
      startedAt: context.startedAt.toISOString(),
      machine: context.machine,
      code: context.code,
      scale: config.scale,
      generator: g,
      dataset: stats,
      evalUsers: users.length,
      relevantPopularityPercentile: relevantPopularity(truth, percentile),
      models: rows,
      coldStart: cold,
      peer: peer.ran ? { label: peer.run.label, library: peer.run.library, install: peer.run.install, models: peer.run.models.map(({ lists: _lists, ...m }) => m) } : { skipped: peer.reason },
      latencyMs: latency,
      memory,
      freshness,
      targets,
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
