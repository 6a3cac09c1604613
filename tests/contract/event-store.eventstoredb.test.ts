import { describe, it } from 'vitest';
import { describeEventStoreContract } from './event-store.contract.js';
import { createEventStoreDbFixture } from './fixtures/eventstoredb.js';

const url = process.env.ESDB_URL;

if (url) {
  describeEventStoreContract('eventstoredb', () => createEventStoreDbFixture(url));
} else {
  describe('event store contract: eventstoredb', () => {
    it.skip('SKIPPED: ESDB_URL is not set — no EventStoreDB server can run on this machine (no Docker engine, no package); docker-compose provides one', () => undefined);
  });
}
