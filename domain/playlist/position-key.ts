/**
 * Fractional position keys: strings that sort (by plain string comparison) in list order, with a
 * key between any two. A key is an integer part — a head letter giving its digit count ('a'..'z'
 * for 1..26 digits going up, 'Z'..'A' for 1..26 digits going down) and base-62 digits — then an
 * optional fraction (base-62 digits, never ending in '0'). Appending or prepending steps the
 * integer, so keys grow with the logarithm of the list's length; inserting between two keys
 * extends the fraction. A random choice inside the gap (jitter) keeps concurrent inserts at the
 * same place from landing on the same key.
 */

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;
const FIRST = 'a0';

const digit = (c: string): number => {
  const d = DIGITS.indexOf(c);
  if (d < 0) throw new Error(`invalid position key digit ${JSON.stringify(c)}`);
  return d;
};

function integerLength(head: string): number {
  if (head >= 'a' && head <= 'z') return head.charCodeAt(0) - 96 + 1;
  if (head >= 'A' && head <= 'Z') return 90 - head.charCodeAt(0) + 1 + 1;
  throw new Error(`invalid position key head ${JSON.stringify(head)}`);
}

/** Splits a key into its integer part (head and digits) and its fraction. */
function split(key: string): { integer: string; fraction: string } {
  const length = integerLength(key[0] ?? '');
  if (key.length < length) throw new Error(`invalid position key ${JSON.stringify(key)}`);
  const fraction = key.slice(length);
  if (fraction.endsWith('0')) throw new Error(`invalid position key ${JSON.stringify(key)}: fraction ends in 0`);
  for (const c of key.slice(1)) digit(c);
  return { integer: key.slice(0, length), fraction };
}

export function isPositionKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1_000) return false;
  try {
    split(key);
    return true;
  } catch {
    return false;
  }
}

/** The next integer part; undefined past the largest ('z' and 26 'z' digits). */
function increment(integer: string): string | undefined {
  const head = integer[0]!;
  const digits = integer.slice(1).split('');
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    const d = digit(digits[i]!);
    if (d < BASE - 1) {
      digits[i] = DIGITS[d + 1]!;
      return head + digits.join('');
    }
    digits[i] = '0';
  }
  // Every digit rolled over: one digit more going up, one fewer going down.
  if (head === 'Z') return FIRST;
  if (head === 'z') return undefined;
  const nextHead = String.fromCharCode(head.charCodeAt(0) + 1);
  return nextHead + '0'.repeat(integerLength(nextHead) - 1);
}

/** The previous integer part; undefined below the smallest. */
function decrement(integer: string): string | undefined {
  const head = integer[0]!;
  const digits = integer.slice(1).split('');
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    const d = digit(digits[i]!);
    if (d > 0) {
      digits[i] = DIGITS[d - 1]!;
      return head + digits.join('');
    }
    digits[i] = DIGITS[BASE - 1]!;
  }
  if (head === 'a') return 'Z' + DIGITS[BASE - 1];
  if (head === 'A') return undefined;
  const previousHead = String.fromCharCode(head.charCodeAt(0) - 1);
  return previousHead + DIGITS[BASE - 1]!.repeat(integerLength(previousHead) - 1);
}

/** A fraction strictly between `a` and `b` (b undefined: no upper bound), not ending in '0'. */
function fractionBetween(a: string, b: string | undefined, random: () => number): string {
  if (b !== undefined) {
    let n = 0;
    while ((a[n] ?? '0') === b[n]) n += 1;
    if (n > 0) return b.slice(0, n) + fractionBetween(a.slice(n), b.slice(n), random);
  }
  const low = a.length > 0 ? digit(a[0]!) : 0;
  const high = b !== undefined ? digit(b[0]!) : BASE;
  if (high - low > 1) return DIGITS[low + 1 + Math.floor(random() * (high - low - 1))]!;
  // Neighbouring digits: b's first digit alone is below b when b goes on.
  if (b !== undefined && b.length > 1) return b[0]!;
  return DIGITS[low]! + fractionBetween(a.slice(1), undefined, random);
}

/** Two random fraction digits (the last not '0'), so that keys chosen at once rarely coincide. */
function jitter(random: () => number): string {
  return DIGITS[Math.floor(random() * BASE)]! + DIGITS[1 + Math.floor(random() * (BASE - 1))]!;
}

/**
 * A key strictly between `a` and `b` (undefined: the start or the end of the list).
 * `random` is the jitter source (use a seeded one in tests).
 */
export function keyBetween(a: string | undefined, b: string | undefined, random: () => number = Math.random): string {
  if (a !== undefined && b !== undefined && a >= b) throw new RangeError(`keyBetween: ${a} is not before ${b}`);
  if (a === undefined && b === undefined) return FIRST + jitter(random);
  if (a === undefined) {
    const { integer, fraction } = split(b!);
    // The integer below, with a random fraction: two devices prepending at once differ.
    const previous = decrement(integer);
    if (previous !== undefined) return previous + jitter(random);
    return integer + fractionBetween('', fraction, random);
  }
  const { integer, fraction } = split(a);
  if (b === undefined) {
    const next = increment(integer);
    return next !== undefined ? next + jitter(random) : integer + fractionBetween(fraction, undefined, random);
  }
  const upper = split(b);
  if (integer === upper.integer) return integer + fractionBetween(fraction, upper.fraction, random);
  const next = increment(integer);
  if (next !== undefined && next < b) return next;
  return integer + fractionBetween(fraction, undefined, random);
}

/** `count` increasing keys between `a` and `b`. */
export function keysBetween(a: string | undefined, b: string | undefined, count: number, random: () => number = Math.random): string[] {
  const keys: string[] = [];
  let previous = a;
  for (let i = 0; i < count; i += 1) {
    previous = keyBetween(previous, b, random);
    keys.push(previous);
  }
  return keys;
}
