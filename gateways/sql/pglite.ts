/**
 * SqlClient on PGlite (Postgres compiled to WebAssembly, in this process), for the embedded mode.
 * One connection: statements and transactions run one at a time.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import {
  SqlConnectionError,
  SqlError,
  assertChannelName,
  type Listener,
  type NotificationHandlers,
  type SqlClient,
  type SqlExecutor,
  type SqlLock,
  type SqlParam,
} from './port.js';
import { PgliteStatements, type QueryRunner } from './pglite-statements.js';

export interface PgliteClient extends SqlClient {
  readonly kind: 'pglite';
  /**
   * Fault injection for tests: behaves as if the connection had dropped — every listener is told
   * it is lost and the next statement fails with SqlConnectionError. PGlite runs in-process, so
   * there is no real connection to cut; this drives the same recovery paths a server drop does.
   */
  simulateConnectionLoss(): void;
}

interface PgliteErrorShape {
  code?: string;
  constraint?: string;
  severity?: string;
  message: string;
}

function translate(error: unknown): Error {
  if (error instanceof SqlError || error instanceof SqlConnectionError) return error;
  const e = error as Partial<PgliteErrorShape>;
  if (error instanceof Error && typeof e.severity === 'string') {
    return new SqlError(error.message, e.code, e.constraint, { cause: error });
  }
  return new SqlConnectionError(error instanceof Error ? error.message : String(error), { cause: error });
}

/** Opens (creating if needed) a PGlite database in `dataDir`, or in memory when it is undefined. */
export async function createPgliteClient(dataDir?: string): Promise<PgliteClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // pg_trgm: the catalog search's typo tolerance (a server has it from its contrib package).
  const db = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  let failNext = false;
  let closed = false;
  const listeners = new Set<{ unlisten: () => Promise<void>; handlers: NotificationHandlers }>();
  const locks = new Map<string, () => void>();

  const guard = () => {
    if (closed) throw new SqlConnectionError('the PGlite database is closed');
    if (failNext) {
      failNext = false;
      throw new SqlConnectionError('connection lost (simulated)');
    }
  };

  const statements = new PgliteStatements(db);
  const executor = (runner: QueryRunner & Pick<PGlite, 'exec'>, inTransaction: boolean): SqlExecutor => ({
    async query<Row extends object>(text: string, params?: readonly SqlParam[]): Promise<Row[]> {
      guard();
      try {
        return (await statements.query(runner, text, params, inTransaction)) as Row[];
      } catch (error) {
        throw translate(error);
      }
    },
    async exec(script: string): Promise<void> {
      guard();
      try {
        await runner.exec(script);
      } catch (error) {
        throw translate(error);
      }
    },
  });

  const root = executor(db, false);
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,

    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      guard();
      // Errors of `work` pass through as they are; only the driver's own are translated.
      let workFailed = false;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await work(executor(tx, true));
          } catch (error) {
            workFailed = true;
            throw error;
          }
        });
      } catch (error) {
        throw workFailed ? error : translate(error);
      }
    },

    async listen(channel: string, handlers: NotificationHandlers): Promise<Listener> {
      guard();
      const unlisten = await db.listen(assertChannelName(channel), (payload) => handlers.onNotify(payload));
      const entry = { unlisten, handlers };
      listeners.add(entry);
      return {
        async close() {
          if (listeners.delete(entry)) await unlisten();
        },
      };
    },

    async tryLock(name: string): Promise<SqlLock | undefined> {
      // One process owns the data folder, so the locks live in memory.
      if (locks.has(name)) return undefined;
      let signalLost!: () => void;
      const lost = new Promise<void>((resolve) => (signalLost = resolve));
      locks.set(name, signalLost);
      return {
        lost,
        async release() {
          if (locks.get(name) === signalLost) locks.delete(name);
        },
      };
    },

    simulateConnectionLoss(): void {
      for (const [name, signalLost] of [...locks]) {
        locks.delete(name);
        signalLost();
      }
      failNext = true;
      for (const entry of [...listeners]) {
        listeners.delete(entry);
        void entry.unlisten();
        entry.handlers.onLost(new SqlConnectionError('connection lost (simulated)'));
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const entry of listeners) await entry.unlisten().catch(() => undefined);
      listeners.clear();
      await db.close();
    },
  };
}
