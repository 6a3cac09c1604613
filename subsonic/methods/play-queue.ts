/**
 * The play queue: savePlayQueue (the queue, the current track and the position in it, recorded
 * per user with the app that saved it) and getPlayQueue (the last one saved, from any app).
 */
import { savePlayQueue, savedPlayQueue } from '../../application/play-queue.js';
import { getTracks, type Track } from '../../projections/sql/catalog-queries.js';
import { getUser } from '../../projections/sql/users.js';
import type { Method } from '../context.js';
import { deviceOf } from './annotation.js';
import { songsFor } from './annotate.js';
import { subsonicName } from './system.js';

export const playQueueMethods: Record<string, Method> = {
  savePlayQueue: {
    async run(context) {
      const { deps, params, userId, client } = context;
      const trackIds = params.list('id');
      const current = params.string('current') || undefined;
      const positionMs = params.int('position', { min: 0, max: 86_400_000, fallback: 0 });
      await savePlayQueue(deps, userId, deviceOf(client), { trackIds, ...(current === undefined ? {} : { current }), positionMs }, { actorId: userId, correlationId: context.request.id });
      return {};
    },
  },
  getPlayQueue: {
    async run({ deps, userId }) {
      const user = await getUser(deps.sql, userId);
      const username = user ? subsonicName(user) : userId;
      const saved = await savedPlayQueue(deps, userId);
      if (!saved) return { playQueue: { username, changed: new Date(0).toISOString(), changedBy: '', position: 0, entry: [] } };
      const found = await getTracks(deps.sql, saved.trackIds);
      const tracks = saved.trackIds.map((id) => found.get(id)).filter((t): t is Track => t !== undefined);
      return {
        playQueue: {
          current: saved.current,
          position: saved.positionMs,
          username,
          changed: saved.at,
          changedBy: saved.deviceId,
          entry: await songsFor(deps, userId, tracks),
        },
      };
    },
  },
};
