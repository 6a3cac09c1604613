/**
 * The play queue a user saved (Subsonic's savePlayQueue/getPlayQueue): each save is a
 * PlayQueueSaved in `playqueue-<userId>`, and the last one is the queue. The stream is read
 * backwards for its last event only, so it may grow without slowing reads.
 */
import { playQueueDecider } from '../domain/play-queue/decider.js';
import { playQueueStream, type PlayQueueSaved } from '../domain/play-queue/events.js';
import type { FactSources } from './facts.js';
import { handleStatelessCommand, type CommandMetadata } from './handle-command.js';
import { trackDurations } from '../projections/sql/catalog.js';

export interface SavedQueue {
  trackIds: readonly string[];
  current?: string;
  positionMs: number;
}

export async function savePlayQueue(deps: FactSources & { now: () => Date }, userId: string, deviceId: string, queue: SavedQueue, metadata: CommandMetadata): Promise<string | undefined> {
  const known = queue.trackIds.length > 0 ? await trackDurations(deps.sql, queue.trackIds.slice(0, 1_000)) : new Map<string, number>();
  const result = await handleStatelessCommand(
    deps.store,
    playQueueDecider,
    playQueueStream(userId),
    {
      type: 'SavePlayQueue',
      userId,
      deviceId,
      trackIds: queue.trackIds,
      ...(queue.current === undefined ? {} : { current: queue.current }),
      positionMs: queue.positionMs,
      unknownTracks: queue.trackIds.filter((id) => !known.has(id)),
      at: deps.now().toISOString(),
    },
    metadata,
  );
  return result.position;
}

/** The last queue the user saved, or undefined. */
export async function savedPlayQueue(deps: Pick<FactSources, 'store'>, userId: string): Promise<PlayQueueSaved['data'] | undefined> {
  for await (const event of deps.store.readStream(playQueueStream(userId), { direction: 'backwards', maxCount: 1 })) {
    if (event.type === 'PlayQueueSaved') return event.data as PlayQueueSaved['data'];
  }
  return undefined;
}
