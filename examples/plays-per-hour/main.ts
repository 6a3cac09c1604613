/**
 * npx tsx examples/plays-per-hour/main.ts [--topic T] [--group G] [--until-caught-up]
 * npx tsx examples/plays-per-hour/main.ts show
 *
 * Needs KAFKA_BROKERS (for consuming) and DATABASE_URL (the Postgres database of the table).
 * See README.md.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPlaysPerHour } from './consumer.js';
import { readTable } from './schema.js';

const USAGE = `usage: npx tsx examples/plays-per-hour/main.ts [--topic T] [--group G] [--until-caught-up] [--session-timeout-ms MS]
       npx tsx examples/plays-per-hour/main.ts show
Consumes T (default chorus.listens) as consumer group G (default plays-per-hour) into the tables
plays_per_hour and plays_per_hour_events of DATABASE_URL, until SIGINT/SIGTERM or, with
--until-caught-up, until it has reached the end of every partition. After a crash, a restarted
consumer gets its partitions once the dead one's group session has expired (--session-timeout-ms,
default 30000). "show" prints the table as
NDJSON ({"hour","trackId","plays"}) on stdout. Env: KAFKA_BROKERS, DATABASE_URL.`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        topic: { type: 'string', default: 'chorus.listens' },
        group: { type: 'string', default: 'plays-per-hour' },
        'until-caught-up': { type: 'boolean', default: false },
        'session-timeout-ms': { type: 'string', default: '30000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`plays-per-hour: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl || positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'show')) {
    console.error(`plays-per-hour: ${databaseUrl ? `unexpected arguments ${positionals.join(' ')}` : 'DATABASE_URL is not set'}\n${USAGE}`);
    return 2;
  }
  if (positionals[0] === 'show') {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      for (const row of await readTable(pool)) process.stdout.write(`${JSON.stringify(row)}\n`);
    } finally {
      await pool.end();
    }
    return 0;
  }
  const brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  if (!brokers?.length) {
    console.error(`plays-per-hour: KAFKA_BROKERS is not set\n${USAGE}`);
    return 2;
  }

  const sessionTimeoutMs = Number(values['session-timeout-ms']);
  if (!Number.isSafeInteger(sessionTimeoutMs) || sessionTimeoutMs < 1) {
    console.error(`plays-per-hour: --session-timeout-ms must be a whole number of milliseconds\n${USAGE}`);
    return 2;
  }
  const consumer = await startPlaysPerHour({ brokers, databaseUrl, topic: values.topic, groupId: values.group, sessionTimeoutMs });
  const report = () => {
    const s = consumer.stats;
    console.error(`plays-per-hour: ${s.records} records in ${s.batches} batches; ${s.counted} plays counted, ${s.duplicates} duplicates skipped, ${s.skipped} other records`);
  };
  const timer = setInterval(report, 5_000);
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const done = values['until-caught-up'] ? consumer.caughtUp().then(() => 'caught up') : new Promise<string>(() => undefined);
  const outcome = await Promise.race([stopped, done, consumer.failed]);
  clearInterval(timer);
  await consumer.stop();
  report();
  if (outcome instanceof Error) {
    console.error(`plays-per-hour: stopped: ${outcome.message}`);
    return 1;
  }
  console.error(`plays-per-hour: ${outcome}; stopped`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`plays-per-hour: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
