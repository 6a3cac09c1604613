/**
 * A map from small non-negative integers (dense ids) to float32 weights, on typed arrays with
 * open addressing (linear probing). About 8 bytes a slot at a load of at most 3/4 instead of the
 * ~40 bytes of a `Map` entry: co-occurrence rows hold tens of millions of entries at scale.
 *
 * No deletion: a weight that falls to 0 stays an entry (it is still a pair that was seen).
 * Weights stay exact as long as every increment is a multiple of 1/4 and sums stay below 2^22,
 * which the models here keep to, so the sum is the same in whatever order increments arrive.
 */
const EMPTY = -1;
const MIN_CAPACITY = 4;

export class IntFloatMap {
  private keys: Int32Array;
  private values: Float32Array;
  private shift: number;
  private count = 0;

  constructor(capacity = MIN_CAPACITY) {
    const slots = roundUpToPowerOfTwo(Math.max(capacity, MIN_CAPACITY));
    this.keys = new Int32Array(slots).fill(EMPTY);
    this.values = new Float32Array(slots);
    this.shift = 32 - Math.log2(slots);
  }

  get size(): number {
    return this.count;
  }

  /** The weight of `key`, 0 when absent. */
  get(key: number): number {
    const slot = this.find(key);
    return this.keys[slot] === key ? this.values[slot]! : 0;
  }

  has(key: number): boolean {
    return this.keys[this.find(key)] === key;
  }

  /** Adds `by` to the weight of `key` (creating it at 0); returns the new weight. */
  add(key: number, by: number): number {
    if (key < 0 || !Number.isInteger(key)) throw new RangeError(`IntFloatMap keys are non-negative integers, got ${key}`);
    let slot = this.find(key);
    if (this.keys[slot] !== key) {
      if ((this.count + 1) * 4 > this.keys.length * 3) {
        this.grow();
        slot = this.find(key);
      }
      this.keys[slot] = key;
      this.count += 1;
    }
    this.values[slot] = this.values[slot]! + by;
    return this.values[slot]!;
  }

  forEach(visit: (key: number, value: number) => void): void {
    const { keys, values } = this;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot]!;
      if (key !== EMPTY) visit(key, values[slot]!);
    }
  }

  /** Entries sorted by key: a canonical form (for comparing two maps). */
  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.forEach((key, value) => out.push([key, value]));
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  private find(key: number): number {
    const { keys } = this;
    const mask = keys.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[slot]!;
      if (k === key || k === EMPTY) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Int32Array(oldKeys.length * 2).fill(EMPTY);
    this.values = new Float32Array(oldKeys.length * 2);
    this.shift -= 1;
    for (let slot = 0; slot < oldKeys.length; slot++) {
      const key = oldKeys[slot]!;
      if (key === EMPTY) continue;
      const to = this.find(key);
      this.keys[to] = key;
      this.values[to] = oldValues[slot]!;
    }
  }
}

function roundUpToPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}
