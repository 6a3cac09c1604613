/**
 * Storing playlist documents: their edits as PlaylistEdited (the edits of many playlists in one
 * multi-stream append), a document's whole state as PlaylistCompacted; both decided by the
 * document decider and appended under the stream's revision guard.
 */
import * as Y from 'yjs';
import { documentDecider, type DocumentEvent } from '../../domain/playlist/document-decider.js';
import { playlistStream, type PlaylistChange } from '../../domain/playlist/events.js';
import { DomainError } from '../../domain/shared/errors.js';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../../gateways/event-store/errors.js';
import type { AppendOutcome, EventStore, JsonObject, Position, StreamAppend } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { appendDecision } from '../handle-command.js';
import { COMPACTION_ENCODING, encodeCompaction } from './compaction.js';
import { loadDocument } from './load.js';

/** One edit of the live document: the Yjs update, what it meant, and who made it. */
export interface DocumentEditToStore {
  update: Uint8Array;
  changes: PlaylistChange[];
  actorId: string;
}

/** The edits of one playlist, to append together. */
export interface PlaylistEditsToStore {
  playlistId: string;
  edits: readonly DocumentEditToStore[];
}

/**
 * How storing one playlist's edits went: stored (the position of the last event); failed for now
 * (the store could not be reached: the same edits will store later); or refused for good (bad
 * data, a deleted or unknown playlist, an edit too large to store: it would fail again).
 */
export type StoreEditsOutcome =
  | { kind: 'stored'; position: Position }
  | { kind: 'failed'; error: unknown }
  | { kind: 'refused'; error: Error };

/**
 * Appends the edits of several playlists in one multi-stream append (one commit where the store
 * can), each playlist's edits in order, to a stream that must exist. `correlationId` marks them as
 * this node's, so that the node can skip its own edits when it follows the store.
 */
export async function storeEditBatches(
  store: EventStore,
  batches: readonly PlaylistEditsToStore[],
  at: Date,
  correlationId: string,
): Promise<StoreEditsOutcome[]> {
  const outcomes = new Array<StoreEditsOutcome>(batches.length);
  const appends: Array<{ index: number; append: StreamAppend }> = [];
  batches.forEach((batch, index) => {
    let events: DocumentEvent[];
    try {
      events = documentDecider.decide(
        {
          type: 'StoreEdits',
          playlistId: batch.playlistId,
          edits: batch.edits.map((edit) => ({ update: Buffer.from(edit.update).toString('base64'), changes: edit.changes, actorId: edit.actorId })),
          at: at.toISOString(),
        },
        null,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcomes[index] = { kind: 'refused', error };
      return;
    }
    const newEvents = events.map((event) => ({
      id: uuidv7(),
      type: event.type,
      data: event.data as unknown as JsonObject,
      metadata: { ...(event.type === 'PlaylistEdited' ? { actorId: event.data.editedBy } : {}), correlationId },
    }));
    appends.push({ index, append: { stream: playlistStream(batch.playlistId), events: newEvents, options: { expectedRevision: 'exists' } } });
  });
  let results: AppendOutcome[];
  try {
    results = appends.length > 0 ? await store.appendMany(appends.map((a) => a.append)) : [];
  } catch (error) {
    results = appends.map(() => ({ ok: false, error: new EventStoreUnavailableError('the event store failed', { cause: error }) }));
  }
  results.forEach((result, i) => {
    const { index } = appends[i]!;
    if (result.ok) outcomes[index] = { kind: 'stored', position: result.result.position };
    else if (result.error.code === 'EVENT_STORE_UNAVAILABLE') outcomes[index] = { kind: 'failed', error: result.error };
    // Anything else would fail again: bad data, too large, a deleted playlist, or ('exists') one with no stream.
    else outcomes[index] = { kind: 'refused', error: result.error };
  });
  return outcomes;
}

/**
 * Stores the document's whole state as of the stream's current revision, so loading starts there.
 * Built from the stream itself (not from a node's memory, which may lack another node's edits).
 * If the stream moved meanwhile (editors keep appending), it is read again and retried a few
 * times; true once stored (or when there is nothing to compact), false when it gave up.
 */
export async function compactDocument(store: EventStore, playlistId: string, at: Date, attempts = 4): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await tryCompaction(store, playlistId, at)) return true;
  }
  return false;
}

async function tryCompaction(store: EventStore, playlistId: string, at: Date): Promise<boolean> {
  const loaded = await loadDocument(store, playlistId);
  if (loaded.revision === undefined || loaded.editsSinceCompaction === 0) return true;
  const doc = new Y.Doc();
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  const parts = encodeCompaction(Y.encodeStateAsUpdate(doc));
  doc.destroy();
  try {
    await appendDecision(
      store,
      documentDecider,
      playlistStream(playlistId),
      {
        type: 'CompactDocument',
        playlistId,
        compactionId: uuidv7(),
        parts,
        encoding: COMPACTION_ENCODING,
        upToRevision: Number(loaded.revision),
        at: at.toISOString(),
      },
      { expectedRevision: loaded.revision },
    );
    return true;
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return false;
    throw error;
  }
}
