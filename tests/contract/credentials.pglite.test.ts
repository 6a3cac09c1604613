import { SqlCredentialsStore } from '../../gateways/credentials/sql-store.js';
import { createPgliteClient } from '../../gateways/sql/pglite.js';
import { describeCredentialsContract } from './credentials.contract.js';

describeCredentialsContract('PGlite (embedded)', async () => {
  const sql = await createPgliteClient();
  return { store: new SqlCredentialsStore(sql), teardown: () => sql.close() };
});
