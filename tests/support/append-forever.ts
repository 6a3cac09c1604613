/**
 * Child process for crash tests: opens the event store in the folder given as argv[2] (PGlite) or
 * the database URL given as argv[2] (postgres://...), appends events forever, and prints the id of
 * each event once its append is acknowledged. The parent kills it with SIGKILL at some point.
 */
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createPgliteClient } from '../../gateways/sql/pglite.js';

const target = process.argv[2]!;
const sql = target.startsWith('postgres') ? createPgClient({ connectionString: target }) : await createPgliteClient(target);
const store = await PostgresEventStore.open(sql);
process.stdout.write('ready\n');
for (let n = 0; ; n += 1) {
  const id = uuidv7();
  await store.append(`crash-${n % 7}`, [{ id, type: 'Appended', data: { n } }]);
  process.stdout.write(`${id}\n`);
}
