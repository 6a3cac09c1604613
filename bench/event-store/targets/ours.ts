/** Chorus's Postgres event store (gateways/event-store/postgres) as a benchmark target. */
import { uuidv7 } from '../../../gateways/event-store/uuid.js';
import { PostgresEventStore } from '../../../gateways/event-store/postgres/store.js';
import { createPgClient } from '../../../gateways/sql/pg.js';
import { EVENT_TYPE, PAGE_SIZE, type TrackPlayed } from '../workload.js';
import type { OpenOptions, StoreTarget } from './target.js';

export async function openOurs({ url, poolSize }: OpenOptions): Promise<StoreTarget> {
  const sql = createPgClient({ connectionString: url, max: poolSize, applicationName: 'chorus-bench-ours' });
  const store = await PostgresEventStore.open(sql, { ownsClient: true, pageSize: PAGE_SIZE });
  const toNew = (data: TrackPlayed) => ({ id: uuidv7(), type: EVENT_TYPE, data });

  return {
    async appendOne(stream, event) {
      await store.append(stream, [toNew(event)]);
    },
    async appendBatch(stream, events) {
      await store.append(stream, events.map(toNew));
    },
    async readAll() {
      let count = 0;
      for await (const _event of store.readAll()) count += 1;
      return count;
    },
    async subscribe(onEvent) {
      const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
      const running = (async () => {
        for await (const event of subscription) onEvent(event.data as TrackPlayed);
      })();
      return {
        async stop() {
          await subscription.close();
          await running;
        },
      };
    },
    close: () => store.close(),
  };
}
