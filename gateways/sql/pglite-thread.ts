/**
 * SqlClient on PGlite in a worker thread, for the embedded mode. PGlite runs Postgres as
 * WebAssembly, synchronously: in the main thread every statement (an append, a projection's batch,
 * a page of events) would stall the event loop for its whole duration, and with it the sync
 * server's relay and the HTTP API. Here the main thread only posts statements and awaits rows; the
 * database works on another core. Same behaviour as createPgliteClient (pglite.ts): one
 * connection, errors translated into SqlError / SqlConnectionError, in-memory locks (one process
 * owns the data folder), and the same fault injection.
 */
import { startTsWorker } from '../ts-worker.js';
import type { PgliteClient } from './pglite.js';
import type { Reply, Request, WireError, WorkerData } from './pglite-protocol.js';
import { SqlConnectionError, SqlError, assertChannelName, type Listener, type NotificationHandlers, type SqlExecutor, type SqlLock, type SqlParam } from './port.js';

type Pending = { resolve(result: unknown): void; reject(error: Error): void };

/** Distributes Omit over the request union (a distributive Omit keeps each variant's fields). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

function toError(error: WireError): Error {
  return error.kind === 'sql' ? new SqlError(error.message, error.code, error.constraint) : new SqlConnectionError(error.message);
}

/** Opens (creating if needed) a PGlite database in `dataDir` (in memory when undefined) in a worker thread. */
export async function createPgliteThreadClient(dataDir?: string): Promise<PgliteClient> {
  const worker = startTsWorker(new URL('./pglite-worker.ts', import.meta.url), { workerData: { dataDir } satisfies WorkerData });
  const pending = new Map<number, Pending>();
  const channels = new Map<string, Set<NotificationHandlers>>();
  const locks = new Map<string, () => void>();
  let nextId = 1;
  let closed = false;
  let failNext = false;
  let dead: Error | undefined;

  worker.on('message', (message: Reply) => {
    if ('op' in message) {
      for (const handlers of channels.get(message.channel) ?? []) handlers.onNotify(message.payload);
      return;
    }
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.ok) waiter?.resolve(message.result);
    else waiter?.reject(toError(message.error));
  });
  const die = (error: Error) => {
    dead ??= new SqlConnectionError(`the PGlite worker stopped: ${error.message}`, { cause: error });
    for (const waiter of pending.values()) waiter.reject(dead);
    pending.clear();
    for (const set of channels.values()) for (const handlers of set) handlers.onLost(dead);
    channels.clear();
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`exit code ${code}`)));

  const call = <T>(request: WithoutId<Request>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    // The worker keeps the process alive only while a statement is under way.
    if (pending.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };

  const guard = () => {
    if (closed) throw new SqlConnectionError('the PGlite database is closed');
    if (failNext) {
      failNext = false;
      throw new SqlConnectionError('connection lost (simulated)');
    }
  };

  const executor = (tx?: number): SqlExecutor => ({
    async query<Row extends object>(text: string, params?: readonly SqlParam[]): Promise<Row[]> {
      guard();
      return call<Row[]>({ op: 'query', text, params, tx });
    },
    async exec(script: string): Promise<void> {
      guard();
      await call({ op: 'exec', script, tx });
    },
  });

  // Started: the database opens (or fails to) before the client is handed out.
  try {
    await call({ op: 'query', text: 'select 1' });
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  const root = executor();
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,

    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      guard();
      const tx = await call<number>({ op: 'begin' });
      let result: T;
      try {
        result = await work(executor(tx));
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },

    async listen(channel: string, handlers: NotificationHandlers): Promise<Listener> {
      guard();
      assertChannelName(channel);
      let set = channels.get(channel);
      if (!set) {
        channels.set(channel, (set = new Set()));
        await call({ op: 'listen', channel });
      }
      set.add(handlers);
      return {
        async close() {
          const current = channels.get(channel);
          if (!current?.delete(handlers) || current.size > 0) return;
          channels.delete(channel);
          if (!dead && !closed) await call({ op: 'unlisten', channel }).catch(() => undefined);
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
      const lost = new SqlConnectionError('connection lost (simulated)');
      for (const [channel, set] of [...channels]) {
        channels.delete(channel);
        void call({ op: 'unlisten', channel }).catch(() => undefined);
        for (const handlers of set) handlers.onLost(lost);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      channels.clear();
      await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
