/**
 * The evaluation data set: the planted catalogue and history, split by time. Plays before the
 * split train the models (applied to the listening model as TrackPlayed events, exactly as the
 * projection applies them, and written to a binary file for the Python peer); plays after it are
 * the test. A listener's relevant tracks are those they played (30 s on) in the test period and
 * never touched (played or skipped) before it: what a recommender should have found for them.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { RecsModel, type ModelConfig } from '../../projections/recommendations/model.js';
import { createRandom } from '../projections/random.js';
import type { GeneratorConfig } from './config.js';
import { generatePlays, plantListeners, type Listeners, type Play } from './listeners.js';
import { catalogEvents, plantCatalog, trackId, userId, type PlantedCatalog } from './planted-catalog.js';

const DAY_MS = 86_400_000;
const BATCH = 5_000;

export interface Dataset {
  config: GeneratorConfig;
  catalog: PlantedCatalog;
  listeners: Listeners;
  splitMs: number;
  model: RecsModel;
  /** Plays of 30 s or more before the split, per track. */
  trainPopularity: Float64Array;
  /** Relevant tracks per listener (only listeners with at least one, and with train plays). */
  relevant: Map<number, Set<number>>;
  /** Listeners with no train play but plays in the test period (cold start). */
  coldRelevant: Map<number, Set<number>>;
  /** The last `keepPlays` training plays, in time order. */
  keptPlays: Play[];
  stats: { plays: number; trainPlays: number; testPlays: number; skips: number; generateMs: number; applyMs: number; applyPlaysPerSecond: number };
}

export interface DatasetOptions {
  /** Writes train plays as int32 triples (user, track, 1 if ≥ 30 s) for the peer. */
  trainFile?: string;
  onProgress?: (plays: number) => void;
  model?: ModelConfig;
  /** Keeps the last this many training plays (for the freshness phase, which stores them). */
  keepPlays?: number;
}

/** A TrackPlayed event as the store would hand it to the projection. */
export function playEvent(play: Play, sequence: number): RecordedEvent {
  return {
    id: `e${sequence}`,
    type: 'TrackPlayed',
    stream: `listens-${userId(play.user)}`,
    revision: 0n,
    position: String(sequence),
    occurredAt: new Date(play.playedAtMs).toISOString(),
    data: { userId: userId(play.user), trackId: trackId(play.track), playedAt: new Date(play.playedAtMs).toISOString(), msPlayed: play.msPlayed },
    metadata: {},
  };
}

export function buildDataset(config: GeneratorConfig, testShare: number, options: DatasetOptions = {}): Dataset {
  const random = createRandom(config.seed);
  const catalog = plantCatalog(config, random);
  const listeners = plantListeners(config, random);
  const splitMs = config.startMs + Math.round(config.days * (1 - testShare)) * DAY_MS;
  const model = new RecsModel(options.model);
  let sequence = 0;
  model.apply(
    [...catalogEvents(catalog)].map((e) => ({ id: `c${sequence}`, type: e.type, stream: 'catalog', revision: 0n, position: String(sequence++), occurredAt: '', data: e.data as never, metadata: {} })),
  );
  const trainPopularity = new Float64Array(catalog.tracks);
  const relevant = new Map<number, Set<number>>();
  const coldRelevant = new Map<number, Set<number>>();
  const file = options.trainFile ? openSync(options.trainFile, 'w') : undefined;
  const chunk = new Int32Array(3 * 65_536);
  let inChunk = 0;
  const flushChunk = () => {
    if (file !== undefined && inChunk > 0) writeSync(file, new Uint8Array(chunk.buffer, 0, inChunk * 12));
    inChunk = 0;
  };
  const keep = options.keepPlays ?? 0;
  let kept: Play[] = [];
  let pending: RecordedEvent[] = [];
  let applyMs = 0;
  let trainPlays = 0;
  let testPlays = 0;
  let skips = 0;
  const applyPending = () => {
    const started = performance.now();
    model.apply(pending);
    applyMs += performance.now() - started;
    pending = [];
  };
  const started = performance.now();
  const total = generatePlays(config, catalog, listeners, random, (play) => {
    const qualifying = play.msPlayed >= 30_000;
    if (!qualifying) skips += 1;
    if (play.playedAtMs < splitMs) {
      trainPlays += 1;
      if (qualifying) trainPopularity[play.track]! += 1;
      pending.push(playEvent(play, sequence++));
      if (keep > 0) {
        kept.push({ ...play });
        if (kept.length >= 2 * keep) kept = kept.slice(-keep);
      }
      if (pending.length >= BATCH) applyPending();
      if (file !== undefined) {
        chunk[inChunk * 3] = play.user;
        chunk[inChunk * 3 + 1] = play.track;
        chunk[inChunk * 3 + 2] = qualifying ? 1 : 0;
        inChunk += 1;
        if (inChunk * 3 >= chunk.length) flushChunk();
      }
      if (trainPlays % 1_000_000 === 0) options.onProgress?.(trainPlays);
      return;
    }
    testPlays += 1;
    if (pending.length > 0) applyPending();
    if (!qualifying) return;
    const profile = model.profileOf(userId(play.user));
    if (profile?.hasPlayed(play.track)) return;
    const target = profile && profile.qualifyingPlays > 0 ? relevant : coldRelevant;
    let set = target.get(play.user);
    if (!set) target.set(play.user, (set = new Set()));
    set.add(play.track);
  });
  applyPending();
  flushChunk();
  if (file !== undefined) closeSync(file);
  const generateMs = performance.now() - started - applyMs;
  return {
    config,
    catalog,
    listeners,
    splitMs,
    model,
    trainPopularity,
    relevant,
    coldRelevant,
    keptPlays: kept.slice(-keep),
    stats: { plays: total, trainPlays, testPlays, skips, generateMs, applyMs, applyPlaysPerSecond: trainPlays / (applyMs / 1000) },
  };
}
