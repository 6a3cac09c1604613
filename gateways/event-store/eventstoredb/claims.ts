/**
 * Event ids are unique across all streams in Chorus; EventStoreDB knows them per stream only. So
 * before a batch is written, each of its ids is claimed for the batch's stream by creating the
 * stream `$chorus-event-id-<id>` with expected revision 'no_stream': at most one stream can ever
 * hold a claim. An id claimed for another stream is a conflict.
 *
 * A batch is written only once all its claims exist, so when every claim was created by this
 * attempt none of the ids can be stored anywhere yet. Claims stay when the write then fails
 * (wrong expected revision, deleted stream): such ids can still be appended to the stream they
 * were claimed for, never to another one. Claims are system records; readers never see them.
 */
import { NO_STREAM, WrongExpectedVersionError, jsonEvent, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { readStreamPage } from './pages.js';

export const CLAIM_EVENT_TYPE = '$chorus-event-id';
const CLAIM_STREAM_PREFIX = '$chorus-event-id-';
/** Claims in flight at once; a batch holds up to 10,000 events. */
const CLAIMS_IN_FLIGHT = 256;

/** 'new': claimed now; 'ours': claimed earlier for the same stream; 'theirs': for another one. */
export type ClaimOutcome = 'new' | 'ours' | 'theirs';

export function claimStreamName(storedId: string): string {
  return CLAIM_STREAM_PREFIX + storedId;
}

export interface ClaimRequest {
  /** The stream the ids are claimed for (the store's name for it). */
  stream: string;
  ids: readonly string[];
  /** The claim stream of an id (namespaced like the store's streams). */
  claimStreamOf: (id: string) => string;
}

export async function claimIds(
  client: KurrentDBClient,
  { stream, ids, claimStreamOf }: ClaimRequest,
  signal: AbortSignal,
): Promise<ClaimOutcome[]> {
  const outcomes: ClaimOutcome[] = [];
  for (let start = 0; start < ids.length; start += CLAIMS_IN_FLIGHT) {
    const chunk = ids.slice(start, start + CLAIMS_IN_FLIGHT);
    outcomes.push(...(await Promise.all(chunk.map((id) => claimId(client, stream, claimStreamOf(id), signal)))));
  }
  return outcomes;
}

async function claimId(
  client: KurrentDBClient,
  stream: string,
  claimStream: string,
  signal: AbortSignal,
): Promise<ClaimOutcome> {
  try {
    const result = await client.appendToStream(claimStream, jsonEvent({ type: CLAIM_EVENT_TYPE, data: { stream } }), {
      streamState: NO_STREAM,
    });
    // success is false only with throwOnAppendFailure=false: the claim exists already.
    if (result.success) return 'new';
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
  }
  const [claim] = await readStreamPage(
    client,
    { stream: claimStream, storedStream: claimStream, from: undefined, forwards: true, limit: 1 },
    signal,
  );
  return claim?.data.stream === stream ? 'ours' : 'theirs';
}
