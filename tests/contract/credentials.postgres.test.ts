import { SqlCredentialsStore } from '../../gateways/credentials/sql-store.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createTestDatabase } from '../support/postgres.js';
import { describeCredentialsContract } from './credentials.contract.js';

describeCredentialsContract('PostgreSQL', async () => {
  const db = await createTestDatabase('credentials');
  const sql = createPgClient({ connectionString: db.url, applicationName: 'credentials-contract', max: 6 });
  return {
    store: new SqlCredentialsStore(sql),
    async teardown() {
      await sql.close();
      await db.drop();
    },
  };
});
