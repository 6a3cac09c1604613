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

export function comparePositions(a: Position, b: Position): number {
  const pa = parsePosition(a);
  const pb = parsePosition(b);
  if (pa.major !== pb.major) return pa.major < pb.major ? -1 : 1;
  if (pa.minor !== pb.minor) return pa.minor < pb.minor ? -1 : 1;
  return 0;
}

export function maxPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}
