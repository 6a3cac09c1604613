/**
 * Idempotent appends on EventStoreDB. The server's own check is best effort (with expected
 * revision 'any' it remembers recent event ids only, and it accepts an id stored elsewhere in the
 * stream), so the adapter looks for the batch's ids in the stream itself and decides as the
 * Postgres adapter does: every id stored, as one contiguous run, is a retry and answers with the
 * original result; some ids stored is a conflict.
 */
import type { AppendResult, StreamRevision } from '../port.js';
import type { Position } from '../position.js';

export interface StoredId {
  id: string;
  revision: StreamRevision;
  position: Position;
}

export type StoredBatch =
  | { kind: 'absent' }
  | { kind: 'stored'; result: AppendResult }
  | { kind: 'conflict' };

/**
 * `found`: the stream's events whose id is one of `batchIds` (ids lower-case, as prepareAppend
 * gives them), in any order.
 */
export function classifyStoredBatch(batchIds: readonly string[], found: readonly StoredId[]): StoredBatch {
  if (found.length === 0) return { kind: 'absent' };
  const wanted = new Set(batchIds);
  const distinct = new Set(found.map((event) => event.id));
  if (found.length !== wanted.size || distinct.size !== wanted.size || [...distinct].some((id) => !wanted.has(id))) {
    return { kind: 'conflict' };
  }
  const sorted = [...found].sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last.revision - first.revision + 1n !== BigInt(wanted.size)) return { kind: 'conflict' };
  return { kind: 'stored', result: { nextRevision: last.revision, position: last.position } };
}
