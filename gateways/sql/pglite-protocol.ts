/**
 * The messages between the SqlClient of the embedded mode (pglite-thread.ts, on the main thread)
 * and the worker thread that runs PGlite (pglite-worker.ts). Everything here is structured-clone
 * data: statements and parameters go one way, rows and errors the other.
 */
import type { SqlParam } from './port.js';

export type Request =
  | { id: number; op: 'query'; text: string; params?: readonly SqlParam[]; tx?: number }
  | { id: number; op: 'exec'; script: string; tx?: number }
  /** Opens a transaction; answered with its id once it holds PGlite. */
  | { id: number; op: 'begin' }
  /** Ends a transaction: commit, or roll back; answered once it has ended. */
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'unlisten'; channel: string }
  | { id: number; op: 'close' };

/** An error as it crosses the thread boundary: a statement's (with its SQLSTATE) or the database's. */
export interface WireError {
  kind: 'sql' | 'connection';
  message: string;
  code?: string;
  constraint?: string;
}

export type Reply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: WireError }
  | { op: 'notify'; channel: string; payload: string };

/** How the worker is started: the data folder (undefined: in memory). */
export interface WorkerData {
  dataDir: string | undefined;
}
