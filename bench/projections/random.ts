/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32) and the few distributions
 * the history needs. The same seed gives the same numbers on every machine.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform whole number in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** 1 + a geometric number of further trials: mean `mean`, at most `max`. */
  geometric(mean: number, max: number): number;
  /** A UUID (version 7 layout: `ms` in the first 48 bits, the rest from this generator). */
  uuid(ms: number): string;
}

export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  const next = () => u32() / 2 ** 32;
  const hex = (digits: number) => {
    let out = '';
    while (out.length < digits) out += u32().toString(16).padStart(8, '0');
    return out.slice(0, digits);
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    geometric(mean, max) {
      let n = 1;
      while (n < max && next() > 1 / mean) n += 1;
      return n;
    },
    uuid(ms) {
      const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
      const variant = (8 + (u32() % 4)).toString(16);
      return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
    },
  };
}

/**
 * Zipf-distributed ranks: `sample()` returns 0..count-1, rank r with weight 1 / (r + 1)^exponent
 * (a few items take most of the picks, a long tail takes the rest).
 */
export function zipf(random: Random, count: number, exponent: number): () => number {
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let rank = 0; rank < count; rank += 1) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return () => {
    const target = random.next() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** The numbers 0..count-1 in a random order (which item holds which popularity rank). */
export function shuffled(random: Random, count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) order[i] = i;
  for (let i = count - 1; i > 0; i -= 1) {
    const j = Math.floor(random.next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
