/**
 * Following the stored playlist events from the head: other nodes' edits (what pub/sub may have
 * dropped) and access changes (a collaborator removed, a playlist deleted or made private), for a
 * node that keeps live documents.
 */
import type { PlaylistEdited } from '../../domain/playlist/events.js';
import type { EventStore, Subscription } from '../../gateways/event-store/port.js';

/** The events after which who may open a playlist can have changed. */
export const ACCESS_EVENTS = ['CollaboratorAdded', 'CollaboratorRoleChanged', 'CollaboratorRemoved', 'PlaylistVisibilityChanged', 'PlaylistDeleted'];

export interface PlaylistEventHandlers {
  /** An edit stored by another node: its Yjs update and when it was made (ms since 1970). */
  edited(playlistId: string, update: Uint8Array, occurredAt: number): void;
  /** Access may have changed; `position` is the event's (the read models may not have seen it yet). */
  accessChanged(playlistId: string, position: string): Promise<void>;
}

export interface FollowedPlaylistEvents {
  /** Resolves when following stops: after close(), or on a failure (passed to onError). */
  done: Promise<void>;
  close(): Promise<void>;
}

/** Follows from the store's head; edits whose correlation id is `ownCorrelationId` are skipped. */
export async function followPlaylistEvents(
  store: EventStore,
  ownCorrelationId: string,
  handlers: PlaylistEventHandlers,
  onError: (error: unknown) => void,
): Promise<FollowedPlaylistEvents> {
  const subscription: Subscription = store.subscribeToAll({
    fromPosition: await store.headPosition(),
    filter: { streamPrefixes: ['playlist-'], eventTypes: ['PlaylistEdited', ...ACCESS_EVENTS] },
  });
  const done = (async () => {
    for await (const event of subscription) {
      const playlistId = String(event.data.playlistId);
      if (event.type === 'PlaylistEdited') {
        // This node's own edits are in its documents already (it stored them from there).
        if (event.metadata.correlationId === ownCorrelationId) continue;
        const data = event.data as PlaylistEdited['data'];
        handlers.edited(playlistId, Buffer.from(String(data.update), 'base64'), Date.parse(event.occurredAt));
        continue;
      }
      await handlers.accessChanged(playlistId, event.position);
    }
  })().catch(onError);
  return {
    done,
    async close() {
      await subscription.close();
      await done;
    },
  };
}
