import { describe, expect, it } from 'vitest';
import { Backoff } from '../backoff.js';
import { runLockedLoop, type AfterFailure, type LockedLoop } from './locked-loop.js';
import type { SqlClient, SqlLock } from './port.js';

/** Locks of one process, as the embedded database's client keeps them; `failures` makes the next requests throw. */
function lockTable(): Pick<SqlClient, 'tryLock'> & { held: Set<string>; failures: number } {
  const held = new Set<string>();
  const table = {
    held,
    failures: 0,
    async tryLock(name: string): Promise<SqlLock | undefined> {
      if (table.failures > 0) {
        table.failures -= 1;
        throw new Error('connection refused');
      }
      if (held.has(name)) return undefined;
      held.add(name);
      return { lost: new Promise<void>(() => undefined), release: async () => void held.delete(name) };
    },
  };
  return table;
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
};

function loop(sql: Pick<SqlClient, 'tryLock'>, overrides: Partial<LockedLoop> & { signal: AbortSignal }): LockedLoop {
  return {
    sql,
    lockName: 'job',
    standbyMs: 5,
    backoff: new Backoff({ minMs: 1, maxMs: 4 }),
    run: () => new Promise<void>((resolve) => overrides.signal.addEventListener('abort', () => resolve())),
    standby: () => undefined,
    failed: () => 'retry',
    ...overrides,
  };
}

describe('runLockedLoop', () => {
  it('starts the backoff over after a run that lasted healthyRunMs before it failed, not after quick failures', async () => {
    const sql = lockTable();
    const controller = new AbortController();
    const backoff = new Backoff({ minMs: 1, maxMs: 64 });
    const steps: number[] = [];
    let runs = 0;
    await runLockedLoop(
      loop(sql, {
        signal: controller.signal,
        backoff,
        healthyRunMs: 200,
        run: async () => {
          runs += 1;
          if (runs === 3) await new Promise((resolve) => setTimeout(resolve, 300));
          throw new Error(`run ${runs}`);
        },
        failed: (): AfterFailure => {
          steps.push(backoff.stepMs);
          return runs < 4 ? 'retry' : 'stop';
        },
      }),
    );
    // The step each failure found: doubling after quick failures, back to none after the long run.
    expect(steps).toEqual([0, 1, 0, 1]);
  });

  it('runs the job in one loop while the other stands by, which takes over once the first stops', async () => {
    const sql = lockTable();
    const first = new AbortController();
    const second = new AbortController();
    const log: string[] = [];
    let standbys = 0;
    const a = runLockedLoop(loop(sql, { signal: first.signal, run: async () => { log.push('a'); await new Promise((r) => first.signal.addEventListener('abort', r)); } }));
    await until(() => log.length === 1);
    const b = runLockedLoop(loop(sql, { signal: second.signal, standby: () => void (standbys += 1), run: async () => { log.push('b'); await new Promise((r) => second.signal.addEventListener('abort', r)); } }));
    await until(() => standbys >= 2);
    expect(log).toEqual(['a']);
    first.abort();
    await a;
    await until(() => log.length === 2);
    expect(log).toEqual(['a', 'b']);
    second.abort();
    await b;
    expect(sql.held.size).toBe(0);
  });

  it('waits the backoff after a failed run with the lock still held, and ends when told to stop', async () => {
    const sql = lockTable();
    const controller = new AbortController();
    const heldWhileFailing: boolean[] = [];
    let runs = 0;
    await runLockedLoop(
      loop(sql, {
        signal: controller.signal,
        run: async () => {
          runs += 1;
          throw new Error(`run ${runs}`);
        },
        failed: (error, during): AfterFailure => {
          expect(during).toBe('run');
          heldWhileFailing.push(sql.held.has('job'));
          return runs < 3 ? 'retry' : 'stop';
        },
      }),
    );
    expect(runs).toBe(3);
    expect(heldWhileFailing).toEqual([true, true, true]);
    expect(sql.held.size).toBe(0);
  });

  it('hands a failure to ask for the lock to the job, and backs off before asking again', async () => {
    const sql = lockTable();
    sql.failures = 2;
    const controller = new AbortController();
    const failures: string[] = [];
    let ran = false;
    await runLockedLoop(
      loop(sql, {
        signal: controller.signal,
        backoff: new Backoff({ minMs: 1, maxMs: 4 }),
        failed: (error, during) => {
          failures.push(`${during}: ${(error as Error).message}`);
          return 'retry';
        },
        run: async () => {
          ran = true;
          controller.abort();
        },
      }),
    );
    expect(failures).toEqual(['lock: connection refused', 'lock: connection refused']);
    expect(ran).toBe(true);
  });

  it('counts a failure of prepare as the lock\'s', async () => {
    const sql = lockTable();
    const controller = new AbortController();
    let prepared = 0;
    const failures: string[] = [];
    await runLockedLoop(
      loop(sql, {
        signal: controller.signal,
        prepare: async () => {
          prepared += 1;
          if (prepared === 1) throw new Error('no table yet');
        },
        failed: (_error, during) => {
          failures.push(during);
          return 'standby';
        },
        run: async () => controller.abort(),
      }),
    );
    expect(prepared).toBe(2);
    expect(failures).toEqual(['lock']);
  });
});
