import { describeEventStoreContract } from './event-store.contract.js';
import { createPostgresFixture } from './fixtures/postgres.js';

describeEventStoreContract('postgres (node pg, PostgreSQL server)', createPostgresFixture);
