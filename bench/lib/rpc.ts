/**
 * Request/response over a forked child's IPC channel, so that each system under test runs in a
 * process of its own (its own event loop, heap and module state). Calls are typed by a task map:
 * `{ taskName: { args: A; result: R } }`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type TaskMap = Record<string, { args: unknown; result: unknown }>;

export type TaskHandlers<Tasks extends TaskMap> = {
  [Name in keyof Tasks]: (args: Tasks[Name]['args']) => Promise<Tasks[Name]['result']>;
};

interface Call {
  id: number;
  task: string;
  args: unknown;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

const READY = 'ready';

export interface Child<Tasks extends TaskMap> {
  call<Name extends keyof Tasks & string>(task: Name, args: Tasks[Name]['args']): Promise<Tasks[Name]['result']>;
  stop(): Promise<void>;
}

/** Forks `entry` (with this process's loader flags, e.g. tsx) and waits until it serves. */
export async function spawnChild<Tasks extends TaskMap>(entry: URL, args: readonly string[]): Promise<Child<Tasks>> {
  const child = fork(fileURLToPath(entry), [...args], { serialization: 'advanced', stdio: 'inherit' });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let exited = false;

  child.on('exit', (code, signal) => {
    exited = true;
    const error = new Error(`worker ${args.join(' ')} exited (code ${String(code)}, signal ${String(signal)})`);
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  });
  child.on('message', (message: Reply | typeof READY) => {
    if (message === READY) return;
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (message.ok) call.resolve(message.result);
    else call.reject(new Error(`worker ${args.join(' ')}: ${message.error}`));
  });
  await waitReady(child);

  return {
    call(task, callArgs) {
      if (exited) return Promise.reject(new Error(`worker ${args.join(' ')} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, task, args: callArgs } satisfies Call);
      });
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await gone;
    },
  };
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (message !== READY) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve();
    };
    const onExit = (code: number | null) => reject(new Error(`worker exited before it was ready (code ${String(code)})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** In the child: answers calls with `handlers`; exits when the parent disconnects. */
export function serveTasks<Tasks extends TaskMap>(handlers: TaskHandlers<Tasks>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveTasks must run in a forked child process');
  process.on('message', (message: Call) => {
    const handler = handlers[message.task as keyof Tasks];
    const work = handler
      ? Promise.resolve().then(() => handler(message.args as Tasks[keyof Tasks]['args']))
      : Promise.reject(new Error(`unknown task ${message.task}`));
    work.then(
      (result) => send({ id: message.id, ok: true, result } satisfies Reply),
      (error: unknown) =>
        send({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send(READY);
}
