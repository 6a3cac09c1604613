/**
 * The one seeded pseudo-random generator (mulberry32): the same seed gives the same numbers in
 * [0, 1) on every machine. For what must come out the same each time — the demo catalog, the
 * position keys' jitter in generated histories and convergence tests — never for secrets.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
