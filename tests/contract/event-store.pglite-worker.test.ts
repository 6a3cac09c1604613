import { describeEventStoreContract } from './event-store.contract.js';
import { createPgliteFixture } from './fixtures/postgres.js';

describeEventStoreContract('postgres (PGlite in a worker thread, as the embedded mode runs it)', () => createPgliteFixture(true));
