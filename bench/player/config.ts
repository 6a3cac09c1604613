/** Settings of the player benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export interface Config {
  /** Users, each with `devices` devices connected (BENCH_PLAYER_USERS). */
  users: number;
  /** Devices per user, each a player socket (BENCH_PLAYER_DEVICES). */
  devices: number;
  /** Every user sends one command this often, from a random one of their devices (BENCH_PLAYER_INTERVAL_SECONDS). */
  intervalSeconds: number;
  /** Length of each measured run (BENCH_PLAYER_SECONDS). */
  seconds: number;
  /** Commands before each measured run, same load, not counted (BENCH_PLAYER_WARMUP_SECONDS). */
  warmupSeconds: number;
  /** Users of a second, lighter run on each setup, below saturation, for context (BENCH_PLAYER_LIGHT_USERS; 0: none). */
  lightUsers: number;
  /** Sockets opening at once (BENCH_PLAYER_CONNECT_CONCURRENCY). */
  connectConcurrency: number;
  /** Seed of the choice of sending device (BENCH_PLAYER_SEED). */
  seed: number;
}

export function readConfig(): Config {
  const users = Math.round(envNumber('BENCH_PLAYER_USERS', 2_000));
  return {
    users,
    devices: Math.max(2, Math.round(envNumber('BENCH_PLAYER_DEVICES', 3))),
    intervalSeconds: envNumber('BENCH_PLAYER_INTERVAL_SECONDS', 5),
    seconds: envNumber('BENCH_PLAYER_SECONDS', 30),
    warmupSeconds: envNumber('BENCH_PLAYER_WARMUP_SECONDS', 5),
    lightUsers: process.env.BENCH_PLAYER_LIGHT_USERS === '0' ? 0 : Math.min(users, Math.round(envNumber('BENCH_PLAYER_LIGHT_USERS', Math.ceil(users / 4)))),
    connectConcurrency: Math.round(envNumber('BENCH_PLAYER_CONNECT_CONCURRENCY', 32)),
    seed: Math.round(envNumber('BENCH_PLAYER_SEED', 1)),
  };
}
