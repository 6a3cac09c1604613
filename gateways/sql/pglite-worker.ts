/**
 * The worker thread of the embedded database: PGlite (Postgres compiled to WebAssembly) runs here,
 * so that its statements — which run synchronously inside WebAssembly — never stall the main
 * thread's event loop (the sync server's relay, the HTTP API). Requests come from
 * pglite-thread.ts (pglite-protocol.ts); transactions stay open across requests until ended.
 */
import { mkdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Reply, Request, WireError, WorkerData } from './pglite-protocol.js';
import { PgliteStatements } from './pglite-statements.js';

const port = parentPort!;
const { dataDir } = workerData as WorkerData;
if (dataDir) mkdirSync(dataDir, { recursive: true });

const ready: Promise<PGlite> = PGlite.create(dataDir, { extensions: { pg_trgm } });
const statements = ready.then((db) => new PgliteStatements(db));
const transactions = new Map<number, { tx: Transaction; end(commit: boolean): void }>();
const listeners = new Map<string, () => Promise<void>>();
let nextTx = 1;

const reply = (message: Reply) => port.postMessage(message);

function wireError(error: unknown): WireError {
  const e = error as { code?: string; constraint?: string; severity?: string; message?: string };
  if (error instanceof Error && typeof e.severity === 'string') return { kind: 'sql', message: error.message, code: e.code, constraint: e.constraint };
  return { kind: 'connection', message: error instanceof Error ? error.message : String(error) };
}

async function handle(db: PGlite, request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const runner = request.tx === undefined ? db : transaction(request.tx).tx;
      return (await statements).query(runner, request.text, request.params, request.tx !== undefined);
    }
    case 'exec': {
      const runner = request.tx === undefined ? db : transaction(request.tx).tx;
      await runner.exec(request.script);
      return undefined;
    }
    case 'begin':
      return begin(db);
    case 'end': {
      const open = transactions.get(request.tx);
      if (!open) throw new Error(`no transaction ${request.tx}`);
      return new Promise<void>((resolve, reject) => {
        ended.set(request.tx, { resolve, reject });
        open.end(request.commit);
      });
    }
    case 'listen': {
      if (!listeners.has(request.channel)) {
        listeners.set(request.channel, await db.listen(request.channel, (payload) => reply({ op: 'notify', channel: request.channel, payload })));
      }
      return undefined;
    }
    case 'unlisten': {
      const unlisten = listeners.get(request.channel);
      listeners.delete(request.channel);
      await unlisten?.();
      return undefined;
    }
    case 'close':
      for (const unlisten of listeners.values()) await unlisten().catch(() => undefined);
      listeners.clear();
      await db.close();
      return undefined;
  }
}

function transaction(id: number) {
  const open = transactions.get(id);
  if (!open) throw new Error(`no transaction ${id} (it has ended)`);
  return open;
}

/** How each ended transaction's `end` request is answered. */
const ended = new Map<number, { resolve(): void; reject(error: unknown): void }>();

class Rollback extends Error {}

/** Opens a transaction that stays open (holding PGlite) until an `end` request for it. */
function begin(db: PGlite): Promise<number> {
  const id = nextTx++;
  return new Promise<number>((opened, failed) => {
    db.transaction(async (tx) => {
      const commit = await new Promise<boolean>((end) => {
        transactions.set(id, { tx, end });
        opened(id);
      });
      transactions.delete(id);
      if (!commit) throw new Rollback();
    }).then(
      () => ended.get(id)?.resolve(),
      (error: unknown) => {
        transactions.delete(id);
        const waiter = ended.get(id);
        if (waiter) return error instanceof Rollback ? waiter.resolve() : waiter.reject(error);
        failed(error);
      },
    ).finally(() => ended.delete(id));
  });
}

port.on('message', (request: Request) => {
  ready
    .then((db) => handle(db, request))
    .then(
      (result) => reply({ id: request.id, ok: true, result }),
      (error: unknown) => reply({ id: request.id, ok: false, error: wireError(error) }),
    );
});
