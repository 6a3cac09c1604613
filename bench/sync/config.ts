/** Settings of the sync benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export interface Config {
  /** Playlists edited at once in the latency runs (BENCH_SYNC_PLAYLISTS). */
  playlists: number;
  /** Clients per playlist, each editing (BENCH_SYNC_CLIENTS). */
  clients: number;
  /** Edits per second of every client (BENCH_SYNC_EDIT_RATE). */
  editRate: number;
  /** Length of each measured latency run (BENCH_SYNC_SECONDS). */
  seconds: number;
  /** Editing before each measured run, same load, not counted (BENCH_SYNC_WARMUP_SECONDS). */
  warmupSeconds: number;
  /** Playlists of a second, lighter pair of latency runs, below saturation (BENCH_SYNC_LIGHT_PLAYLISTS; 0: none). */
  lightPlaylists: number;
  /** Idle connections opened for the memory figure (BENCH_SYNC_IDLE_CONNECTIONS). */
  idleConnections: number;
  /** Playlists of the cross-node run, clients alternating between the two nodes (BENCH_SYNC_CROSS_PLAYLISTS). */
  crossPlaylists: number;
  /** Also run the editing runs against an embedded node, PGlite and no Redis, as npm start (BENCH_SYNC_EMBEDDED, default 1). */
  embedded: boolean;
  /** Entries of the playlist that is loaded from the store (BENCH_SYNC_ENTRIES). */
  entries: number;
  /** Entries per edit when that playlist is filled (BENCH_SYNC_FILL_BATCH). */
  fillBatch: number;
  /** Cold loads of that playlist, each on an unloaded room (BENCH_SYNC_LOAD_REPS). */
  loadReps: number;
}

export function readConfig(): Config {
  const playlists = Math.round(envNumber('BENCH_SYNC_PLAYLISTS', 200));
  return {
    playlists,
    clients: Math.max(2, Math.round(envNumber('BENCH_SYNC_CLIENTS', 5))),
    editRate: envNumber('BENCH_SYNC_EDIT_RATE', 2),
    seconds: envNumber('BENCH_SYNC_SECONDS', 20),
    warmupSeconds: envNumber('BENCH_SYNC_WARMUP_SECONDS', 3),
    lightPlaylists: Math.min(playlists, Math.round(envNumberOrZero('BENCH_SYNC_LIGHT_PLAYLISTS', Math.ceil(playlists / 4)))),
    idleConnections: Math.round(envNumber('BENCH_SYNC_IDLE_CONNECTIONS', 5_000)),
    crossPlaylists: Math.min(playlists, Math.round(envNumber('BENCH_SYNC_CROSS_PLAYLISTS', playlists))),
    embedded: process.env.BENCH_SYNC_EMBEDDED !== '0',
    entries: Math.round(envNumber('BENCH_SYNC_ENTRIES', 10_000)),
    fillBatch: Math.round(envNumber('BENCH_SYNC_FILL_BATCH', 10)),
    loadReps: Math.round(envNumber('BENCH_SYNC_LOAD_REPS', 7)),
  };
}

function envNumberOrZero(name: string, fallback: number): number {
  return process.env[name] === '0' ? 0 : envNumber(name, fallback);
}
