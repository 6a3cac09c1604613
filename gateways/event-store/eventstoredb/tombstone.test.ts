import { WrongExpectedVersionError, type KurrentDBClient, type TombstoneStreamOptions } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { WrongExpectedRevisionError } from '../errors.js';
import type { StreamRevision } from '../port.js';
import { tombstone } from './tombstone.js';

/**
 * The tombstone call as the server answers it for a stream that has `revisions[n]` at the n-th look
 * and `revisions[n + 1]` right after it (an append between the look and the call), the last one for good.
 */
function server(revisions: (StreamRevision | 'no_stream')[]) {
  const calls: TombstoneStreamOptions['expectedRevision'][] = [];
  let looks = 0;
  const client = {
    tombstoneStream(_stream: string, options: TombstoneStreamOptions = {}) {
      calls.push(options.expectedRevision);
      const now = revisions[Math.min(looks, revisions.length - 1)]!;
      if (typeof options.expectedRevision === 'bigint' && options.expectedRevision !== now) {
        return Promise.reject(
          new WrongExpectedVersionError(undefined, { streamName: _stream, expected: options.expectedRevision, current: now }),
        );
      }
      return Promise.resolve({});
    },
  } as unknown as KurrentDBClient;
  const lastRevision = () => Promise.resolve(revisions[Math.min(looks++, revisions.length - 1)]!);
  return { client, calls, lastRevision };
}

describe('tombstone', () => {
  it("passes 'any', 'no_stream' and revisions through", async () => {
    for (const expected of ['any', 'no_stream', 3n] as const) {
      const { client, calls, lastRevision } = server([3n]);
      await tombstone(client, { stream: 's', storedStream: 'ns/s', expected, lastRevision });
      expect(calls).toEqual([expected]);
    }
  });

  it("checks 'exists' by the stream's current revision", async () => {
    const { client, calls, lastRevision } = server([4n]);
    await tombstone(client, { stream: 's', storedStream: 'ns/s', expected: 'exists', lastRevision });
    expect(calls).toEqual([4n]);
  });

  it("looks again when the stream moved on between the look and the tombstone", async () => {
    const { client, calls, lastRevision } = server([4n, 5n, 5n]);
    await tombstone(client, { stream: 's', storedStream: 'ns/s', expected: 'exists', lastRevision });
    expect(calls).toEqual([4n, 5n]);
  });

  it("refuses 'exists' on a stream that does not exist, writing nothing", async () => {
    const { client, calls, lastRevision } = server(['no_stream']);
    const deletion = tombstone(client, { stream: 's', storedStream: 'ns/s', expected: 'exists', lastRevision });
    await expect(deletion).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(deletion).rejects.toMatchObject({ stream: 's', expected: 'exists', actual: 'no_stream' });
    expect(calls).toEqual([]);
  });
});
