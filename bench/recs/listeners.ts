/**
 * Planted listeners and their plays, streamed in time order. Each listener has a taste: a
 * mixture over a few clusters (a main one and one or two others, plus a little exploring
 * everywhere), for some drifting over the history from the main cluster to another. They listen
 * in sessions; a session keeps to one cluster (sometimes switching), and each play is a repeat
 * of something they played lately, the next track of the artist just played, a new release of
 * the cluster, or a Zipf draw from the cluster's tracks. Tracks outside the listener's current
 * taste are skipped (< 30 s) far more often. Activity is log-normal: a few heavy listeners.
 *
 * Plays come out in global time order through a heap of listeners keyed by their next play, so
 * memory is per listener, never per play: 10,000,000 plays stream through a callback.
 */
import type { Random } from '../projections/random.js';
import type { GeneratorConfig } from './config.js';
import type { PlantedCatalog } from './planted-catalog.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const EXPLORE = 0.04;
const HISTORY = 32;

export interface Listeners {
  count: number;
  joinMs: Float64Array;
  /** Up to three clusters each, with weights (the rest is EXPLORE spread over every cluster). */
  clusters: Int32Array;
  weights: Float64Array;
  /** The cluster the main weight drifts to (−1: no drift). */
  driftTo: Int32Array;
}

export interface Play {
  user: number;
  track: number;
  playedAtMs: number;
  msPlayed: number;
}

/** The listener's weight of `cluster` at `atMs` (drift included), EXPLORE share included. */
export function tasteWeight(listeners: Listeners, config: GeneratorConfig, user: number, cluster: number, atMs: number): number {
  let weight = EXPLORE / config.clusters;
  const progress = Math.min(Math.max((atMs - config.startMs) / (config.days * DAY_MS), 0), 1);
  for (let i = 0; i < 3; i++) {
    if (listeners.clusters[user * 3 + i] !== cluster) continue;
    let w = listeners.weights[user * 3 + i]!;
    if (i === 0 && listeners.driftTo[user]! >= 0) w *= 1 - 0.7 * progress;
    weight += (1 - EXPLORE) * w;
  }
  if (listeners.driftTo[user] === cluster) weight += (1 - EXPLORE) * listeners.weights[user * 3]! * 0.7 * progress;
  return weight;
}

export function plantListeners(config: GeneratorConfig, random: Random): Listeners {
  const { users, clusters: clusterCount } = config;
  const endMs = config.startMs + config.days * DAY_MS;
  const joinMs = new Float64Array(users);
  const clusters = new Int32Array(users * 3).fill(-1);
  const weights = new Float64Array(users * 3);
  const driftTo = new Int32Array(users).fill(-1);
  for (let u = 0; u < users; u++) {
    joinMs[u] = random.chance(config.lateJoinShare) ? config.startMs + random.next() * 0.95 * (endMs - config.startMs) : config.startMs;
    const main = random.int(0, clusterCount - 1);
    const others = distinct(random, clusterCount, main, random.chance(0.5) ? 2 : 1);
    const mainWeight = 0.55 + 0.25 * random.next();
    clusters[u * 3] = main;
    weights[u * 3] = mainWeight;
    const rest = 1 - mainWeight;
    others.forEach((c, i) => {
      clusters[u * 3 + 1 + i] = c;
      weights[u * 3 + 1 + i] = others.length === 1 ? rest : i === 0 ? rest * 0.65 : rest * 0.35;
    });
    if (random.chance(config.driftShare)) driftTo[u] = distinct(random, clusterCount, main, 1, others)[0]!;
  }
  return { count: users, joinMs, clusters, weights, driftTo };
}

function distinct(random: Random, count: number, not: number, n: number, alsoNot: readonly number[] = []): number[] {
  const out: number[] = [];
  while (out.length < Math.min(n, count - 1 - alsoNot.length)) {
    const c = random.int(0, count - 1);
    if (c !== not && !out.includes(c) && !alsoNot.includes(c)) out.push(c);
  }
  return out;
}

interface State {
  budget: number;
  sessionLeft: number;
  sessionCluster: number;
  prev: number;
  history: Int32Array;
  historyLength: number;
  meanGapMs: number;
}

/** Streams every play, in time order (ties by listener). Returns how many. */
export function generatePlays(config: GeneratorConfig, catalog: PlantedCatalog, listeners: Listeners, random: Random, onPlay: (play: Play) => void): number {
  const endMs = config.startMs + config.days * DAY_MS;
  const activity = Array.from({ length: listeners.count }, () => Math.exp(gaussian(random)));
  const totalActivity = activity.reduce((a, b) => a + b, 0);
  const heap = new ListenerHeap(listeners.count);
  const states: State[] = [];
  for (let u = 0; u < listeners.count; u++) {
    const budget = Math.max(3, Math.round((config.plays * activity[u]!) / totalActivity));
    const sessions = Math.max(1, budget / 10);
    const span = endMs - listeners.joinMs[u]!;
    states.push({ budget, sessionLeft: 0, sessionCluster: -1, prev: -1, history: new Int32Array(HISTORY), historyLength: 0, meanGapMs: Math.max(span / sessions - 40 * MINUTE_MS, MINUTE_MS) });
    heap.push(listeners.joinMs[u]! + random.next() * Math.min(states[u]!.meanGapMs, span), u);
  }
  let emitted = 0;
  while (heap.size > 0) {
    const [atMs, u] = heap.pop();
    const state = states[u]!;
    if (atMs >= endMs || state.budget <= 0) continue;
    if (state.sessionLeft <= 0) {
      state.sessionLeft = random.geometric(10, 60);
      state.sessionCluster = drawCluster(listeners, config, u, atMs, random);
      state.prev = -1;
    } else if (random.chance(0.1)) {
      state.sessionCluster = drawCluster(listeners, config, u, atMs, random);
    }
    const { track, repeat } = chooseTrack(catalog, state, atMs, random);
    const inTaste = tasteWeight(listeners, config, u, catalog.trackCluster[track]!, atMs) >= 0.1;
    const skip = random.chance(repeat ? 0.05 : inTaste ? 0.07 : 0.45);
    const duration = catalog.trackDurationMs[track]!;
    const msPlayed = skip ? random.int(3_000, 28_000) : Math.round(duration * (0.6 + 0.4 * random.next()));
    onPlay({ user: u, track, playedAtMs: Math.round(atMs), msPlayed });
    emitted += 1;
    state.budget -= 1;
    state.sessionLeft -= 1;
    state.prev = track;
    if (!skip) {
      state.history[state.historyLength % HISTORY] = track;
      state.historyLength += 1;
    }
    const next = state.sessionLeft > 0 ? atMs + msPlayed + random.int(0, 20_000) : atMs + msPlayed + 31 * MINUTE_MS - state.meanGapMs * Math.log(1 - random.next());
    if (state.budget > 0 && next < endMs) heap.push(next, u);
  }
  return emitted;
}

function drawCluster(listeners: Listeners, config: GeneratorConfig, u: number, atMs: number, random: Random): number {
  if (random.chance(EXPLORE)) return random.int(0, config.clusters - 1);
  const options: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c = listeners.clusters[u * 3 + i]!;
    if (c >= 0) {
      options.push(c);
      weights.push(tasteWeight(listeners, config, u, c, atMs));
    }
  }
  const drift = listeners.driftTo[u]!;
  if (drift >= 0) {
    options.push(drift);
    weights.push(tasteWeight(listeners, config, u, drift, atMs));
  }
  let target = random.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < options.length; i++) {
    target -= weights[i]!;
    if (target < 0) return options[i]!;
  }
  return options[options.length - 1]!;
}

function chooseTrack(catalog: PlantedCatalog, state: State, atMs: number, random: Random): { track: number; repeat: boolean } {
  const cluster = state.sessionCluster;
  const released = (t: number) => catalog.trackReleaseMs[t]! <= atMs;
  if (state.historyLength > 0 && random.chance(0.2)) {
    return { track: state.history[random.int(0, Math.min(state.historyLength, HISTORY) - 1)]!, repeat: true };
  }
  if (state.prev >= 0 && catalog.trackCluster[state.prev] === cluster && random.chance(0.25)) {
    const own = catalog.artistTracks[catalog.trackArtist[state.prev]!]!;
    const at = own.indexOf(state.prev);
    const next = own[(at + 1) % own.length]!;
    if (released(next)) return { track: next, repeat: false };
  }
  if (random.chance(0.06)) {
    const fresh = catalog.clusterNewTracks[cluster]!;
    const from = lowerBound(fresh, (t) => catalog.trackReleaseMs[t]! >= atMs - 21 * DAY_MS);
    const to = lowerBound(fresh, (t) => catalog.trackReleaseMs[t]! > atMs);
    if (to > from) return { track: fresh[random.int(from, to - 1)]!, repeat: false };
  }
  const tracks = catalog.clusterTracks[cluster]!;
  const cumulative = catalog.clusterCumulative[cluster]!;
  for (let attempt = 0; attempt < 8; attempt++) {
    const target = random.next() * cumulative[cumulative.length - 1]!;
    const track = tracks[Math.min(lowerBound(cumulative, (c) => c > target), tracks.length - 1)]!;
    if (released(track)) return { track, repeat: false };
  }
  for (const track of tracks) if (released(track)) return { track, repeat: false };
  return { track: tracks[0]!, repeat: false };
}

/** First index whose element satisfies `ok` (elements are ordered so `ok` goes false → true). */
function lowerBound<T extends Int32Array | Float64Array>(items: T, ok: (value: number) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(items[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function gaussian(random: Random): number {
  const u = Math.max(random.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** A binary min-heap of (time, listener) on typed arrays; ties by listener. */
class ListenerHeap {
  private readonly times: Float64Array;
  private readonly users: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.users = new Int32Array(capacity);
  }

  push(time: number, user: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(time, user, parent)) break;
      this.times[i] = this.times[parent]!;
      this.users[i] = this.users[parent]!;
      i = parent;
    }
    this.times[i] = time;
    this.users[i] = user;
  }

  pop(): [number, number] {
    const top: [number, number] = [this.times[0]!, this.users[0]!];
    const time = this.times[--this.size]!;
    const user = this.users[this.size]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.before(this.times[right]!, this.users[right]!, left) ? right : left;
      if (!this.lessThan(this.times[child]!, this.users[child]!, time, user)) break;
      this.times[i] = this.times[child]!;
      this.users[i] = this.users[child]!;
      i = child;
    }
    this.times[i] = time;
    this.users[i] = user;
    return top;
  }

  private before(time: number, user: number, at: number): boolean {
    return this.lessThan(time, user, this.times[at]!, this.users[at]!);
  }

  private lessThan(t1: number, u1: number, t2: number, u2: number): boolean {
    return t1 < t2 || (t1 === t2 && u1 < u2);
  }
}
