import { describe, expect, it } from 'vitest';
import { classifyStoredBatch, type StoredId } from './idempotency.js';

const batch = ['a', 'b', 'c'];

function at(id: string, revision: bigint): StoredId {
  return { id, revision, position: `${100n + revision}:${100n + revision}` };
}

describe('classifyStoredBatch', () => {
  it('is absent when no id is stored', () => {
    expect(classifyStoredBatch(batch, [])).toEqual({ kind: 'absent' });
  });

  it('answers a stored contiguous batch with its last revision and position', () => {
    expect(classifyStoredBatch(batch, [at('c', 6n), at('a', 4n), at('b', 5n)])).toEqual({
      kind: 'stored',
      result: { nextRevision: 6n, position: '106:106' },
    });
  });

  it('is a conflict when only some ids are stored', () => {
    expect(classifyStoredBatch(batch, [at('a', 4n), at('b', 5n)])).toEqual({ kind: 'conflict' });
  });

  it('is a conflict when the ids are stored apart', () => {
    expect(classifyStoredBatch(batch, [at('a', 4n), at('b', 5n), at('c', 9n)])).toEqual({ kind: 'conflict' });
  });

  it('is a conflict when an id is stored twice', () => {
    expect(classifyStoredBatch(batch, [at('a', 4n), at('b', 5n), at('c', 6n), at('c', 7n)])).toEqual({ kind: 'conflict' });
    expect(classifyStoredBatch(batch, [at('a', 4n), at('a', 5n), at('c', 6n)])).toEqual({ kind: 'conflict' });
  });
});
