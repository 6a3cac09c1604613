/**
 * Global positions. Clients treat them as opaque strings; inside Chorus a position is a pair of
 * unsigned integers written `major:minor` — (transaction id, sequence) on Postgres,
 * (commit, prepare) on EventStoreDB — ordered by major, then minor.
 */
import { InvalidInputError } from './errors.js';

export type Position = string & { readonly __brand?: 'Position' };

/** Before every event: reading "after START" reads from the beginning. */
export const START: Position = '0:0';

const POSITION = /^(0|[1-9][0-9]{0,19}):(0|[1-9][0-9]{0,19})$/;
const U64_MAX = (1n << 64n) - 1n;

export interface PositionParts {
  major: bigint;
  minor: bigint;
}

export function parsePosition(position: string): PositionParts {
  const match = typeof position === 'string' ? POSITION.exec(position) : null;
  if (!match) {
    throw new InvalidInputError('INVALID_POSITION', `invalid position ${JSON.stringify(position)}: expected "<n>:<n>"`);
  }
  const major = BigInt(match[1]!);
  const minor = BigInt(match[2]!);
  if (major > U64_MAX || minor > U64_MAX) {
    throw new InvalidInputError('INVALID_POSITION', `invalid position ${JSON.stringify(position)}: out of range`);
  }
  return { major, minor };
}

export function formatPosition(major: bigint | string | number, minor: bigint | string | number): Position {
  return `${String(major)}:${String(minor)}`;
}

/**
 * Orders two positions (-1, 0, 1), checking both as parsePosition does. Called for every event a
 * runner or subscription handles, so without BigInt: the parts are canonical decimals (no leading
 * zeros), so the longer one is the larger and parts of one length compare character by character.
 */
export function comparePositions(a: Position, b: Position): number {
  const ca = colonOf(a);
  const cb = colonOf(b);
  return compareDigits(a, 0, ca, b, 0, cb) || compareDigits(a, ca + 1, a.length, b, cb + 1, b.length);
}

const U64_MAX_DIGITS = U64_MAX.toString();

/** Where the colon of a valid position is; throws parsePosition's error for an invalid one. */
function colonOf(position: string): number {
  if (typeof position === 'string') {
    const colon = position.indexOf(':');
    if (colon > 0 && isPart(position, 0, colon) && isPart(position, colon + 1, position.length)) return colon;
  }
  parsePosition(position);
  throw new InvalidInputError('INVALID_POSITION', `invalid position ${JSON.stringify(position)}`);
}

/** `s[from, to)` is an unsigned 64-bit integer written without leading zeros. */
function isPart(s: string, from: number, to: number): boolean {
  const length = to - from;
  if (length < 1 || length > 20 || (length > 1 && s.charCodeAt(from) === 48)) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return length < 20 || s.slice(from, to) <= U64_MAX_DIGITS;
}

function compareDigits(a: string, af: number, at: number, b: string, bf: number, bt: number): number {
  if (at - af !== bt - bf) return at - af < bt - bf ? -1 : 1;
  for (let i = af, j = bf; i < at; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function maxPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}
