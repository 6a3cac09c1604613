import { describeEventStoreContract } from './event-store.contract.js';
import { createPgliteFixture } from './fixtures/postgres.js';

describeEventStoreContract('postgres (PGlite, embedded, file-backed)', () => createPgliteFixture(false));
