/**
 * Deleting a stream for good: a tombstone. The client's tombstone call takes 'any', 'no_stream' or
 * a revision, not "the stream exists", so 'exists' is checked by expecting the stream's current
 * revision; if an append moves the stream on in between, the server refuses and we look again.
 */
import { ANY, NO_STREAM, WrongExpectedVersionError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { WrongExpectedRevisionError } from '../errors.js';
import type { ExpectedRevision, StreamRevision } from '../port.js';

/** Looks at a stream that keeps moving; past this the last refusal is the answer. */
const EXISTS_ATTEMPTS = 8;

export interface TombstoneRequest {
  /** The store's name for the stream. */
  stream: string;
  /** The stream's name on the server. */
  storedStream: string;
  expected: ExpectedRevision;
  /** The stream's last revision now (StreamDeleted when it is deleted already). */
  lastRevision: () => Promise<StreamRevision | 'no_stream'>;
}

export async function tombstone(client: KurrentDBClient, request: TombstoneRequest): Promise<void> {
  const { stream, storedStream, expected } = request;
  if (expected !== 'exists') {
    await client.tombstoneStream(storedStream, {
      expectedRevision: expected === 'any' ? ANY : expected === 'no_stream' ? NO_STREAM : expected,
    });
    return;
  }
  for (let attempt = 1; ; attempt += 1) {
    const revision = await request.lastRevision();
    if (revision === 'no_stream') throw new WrongExpectedRevisionError(stream, 'exists', 'no_stream');
    try {
      await client.tombstoneStream(storedStream, { expectedRevision: revision });
      return;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt >= EXISTS_ATTEMPTS) throw error;
    }
  }
}
