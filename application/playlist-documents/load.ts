/**
 * A playlist's document from its stream: read backwards to the last compaction, then apply it
 * and the edits after it, in order.
 */
import type { PlaylistCompacted, PlaylistEdited } from '../../domain/playlist/events.js';
import { playlistStream } from '../../domain/playlist/events.js';
import type { EventStore, StreamRevision } from '../../gateways/event-store/port.js';
import { decodeCompaction } from './compaction.js';

export interface LoadedDocument {
  /** Updates to apply in order: the last compaction's state, then the edits after it. */
  updates: Uint8Array[];
  /** How many edits follow the last compaction. */
  editsSinceCompaction: number;
  /** The stream's last revision (undefined: no stream). */
  revision: StreamRevision | undefined;
}

export async function loadDocument(store: EventStore, playlistId: string): Promise<LoadedDocument> {
  const edits: Uint8Array[] = [];
  let base: Uint8Array[] = [];
  let revision: StreamRevision | undefined;
  const compaction: Array<PlaylistCompacted['data']> = [];
  for await (const event of store.readStream(playlistStream(playlistId), { direction: 'backwards' })) {
    revision ??= event.revision;
    if (event.type === 'PlaylistEdited') {
      edits.push(Buffer.from((event.data as PlaylistEdited['data']).update, 'base64'));
    } else if (event.type === 'PlaylistCompacted') {
      compaction.push(event.data as PlaylistCompacted['data']);
      const first = compaction[compaction.length - 1]!;
      if ((first.part ?? 0) === 0 && compaction.length === (first.parts ?? 1) && compaction.every((c) => c.id === first.id)) {
        base = [decodeCompaction(compaction.map((c) => c.state).reverse())];
        break;
      }
    } else if (event.type === 'PlaylistCreated') {
      break;
    }
  }
  return { updates: [...base, ...edits.reverse()], editsSinceCompaction: edits.length, revision };
}
