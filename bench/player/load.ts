/**
 * The load process: `tsx bench/player/load.ts`. Every device of every user is a `ws` socket here,
 * so the time a command is sent and the time each device of its user receives the new state are
 * read from one clock.
 *
 * A user has one command in flight at most (one every few seconds, answered in milliseconds): its
 * result frame names the version of the state it made, and the command is delivered once every
 * device of the user has received a state of that version or newer (the server never sends an
 * older one; a state frame may come before or after the result).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { serveTasks } from '../lib/rpc.js';
import { summarize } from '../lib/stats.js';
import { sleep } from '../lib/timing.js';
import type { ConnectResult, DeviceSpec, LoadTasks, UserSpec } from './protocol.js';

/** The four tracks every user plays (on repeat, so "next" always moves on and the player keeps playing). */
const COMMANDS: ReadonlyArray<(step: number) => Record<string, unknown>> = [
  (step) => ({ type: 'seek', positionMs: 1_000 + (step % 100) * 1_000 }),
  () => ({ type: 'pause' }),
  () => ({ type: 'play' }),
  () => ({ type: 'next' }),
];

/** The event-loop monitor's timer fires this often; each sample is that interval plus how late it fired. */
const LOOP_RESOLUTION_MS = 10;
const lateBy = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - LOOP_RESOLUTION_MS);

interface Device {
  spec: DeviceSpec;
  socket: WebSocket;
  /** States received while the user's command had no result yet: [version, arrival]. */
  early: Array<[number, number]>;
}

interface Pending {
  id: string;
  sentAt: number;
  sender: number;
  measured: boolean;
  /** The version the command made (from its result), once known. */
  version?: number;
  /** When each device received it. */
  arrivals: Array<number | undefined>;
}

interface User {
  spec: UserSpec;
  devices: Device[];
  step: number;
  pending?: Pending;
}

let users: User[] = [];
let counter = 0;
let stats = newStats();

function newStats() {
  return {
    commands: 0,
    applied: 0,
    notApplied: 0,
    errors: 0,
    errorSamples: [] as string[],
    complete: 0,
    allDevices: [] as number[],
    result: [] as number[],
    sameNode: [] as number[],
    crossNode: [] as number[],
  };
}

serveTasks<LoadTasks>({
  pid: async () => process.pid,

  async connect({ users: specs, concurrency }) {
    const started = performance.now();
    const joined = specs.map((spec): User => ({ spec, devices: [], step: 0 }));
    const slots = joined.flatMap((user) => user.spec.devices.map((device, index) => ({ user, device, index })));
    const failures: string[] = [];
    const failedByNode: Record<string, number> = {};
    let failed = 0;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < slots.length; i = next++) {
        const { user, device, index } = slots[i]!;
        try {
          user.devices[index] = await open(user, device);
        } catch (error) {
          failed += 1;
          failedByNode[device.node] = (failedByNode[device.node] ?? 0) + 1;
          if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, slots.length) }, worker));
    users = joined.filter((user) => user.devices.filter(Boolean).length === user.spec.devices.length);
    return { devices: slots.length - failed, seconds: (performance.now() - started) / 1_000, failed, failedByNode, failures } satisfies ConnectResult;
  },

  async run({ intervalSeconds, seconds, measured, seed }) {
    if (measured) stats = newStats();
    const random = mulberry32(seed);
    const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    delay.enable();
    const before = { cpu: process.cpuUsage(), loop: performance.eventLoopUtilization(), at: performance.now() };
    let commands = 0;
    let skipped = 0;
    // Round the users in order at users/interval per second: each user every `intervalSeconds`, the users spread over it.
    const run = await pace(users.length / intervalSeconds, seconds, (k) => {
      const user = users[k % users.length]!;
      const device = Math.floor(random() * user.devices.length);
      if (user.pending) {
        skipped += 1;
        return;
      }
      send(user, device, measured);
      commands += 1;
    });
    delay.disable();
    const cpu = process.cpuUsage(before.cpu);
    const wall = (performance.now() - before.at) / 1_000;
    return {
      commands,
      skipped,
      seconds: run.seconds,
      pacerMaxLagMs: run.maxLagMs,
      loadEventLoop: performance.eventLoopUtilization(before.loop).utilization,
      loadCores: (cpu.user + cpu.system) / 1e6 / wall,
      loopDelay: { p50: lateBy(delay.percentile(50)), p99: lateBy(delay.percentile(99)), max: lateBy(delay.max) },
    };
  },

  async latencies({ timeoutMs }) {
    const deadline = performance.now() + timeoutMs;
    const inFlight = () => users.filter((u) => u.pending?.measured).length;
    while (inFlight() > 0 && performance.now() < deadline) await sleep(20);
    const open = users.filter((u) => u.pending?.measured).map((u) => u.pending!);
    const unanswered = open.filter((p) => p.version === undefined).length;
    return {
      commands: stats.commands,
      applied: stats.applied,
      notApplied: stats.notApplied,
      errors: stats.errors,
      unanswered,
      errorSamples: stats.errorSamples,
      complete: stats.complete,
      incomplete: open.length - unanswered,
      allDevices: summarize(stats.allDevices),
      result: summarize(stats.result),
      sameNode: summarize(stats.sameNode),
      crossNode: summarize(stats.crossNode),
    };
  },

  async close() {
    const closed = users.flatMap((u) => u.devices).map(
      (d) =>
        new Promise<void>((resolve) => {
          if (d.socket.readyState === WebSocket.CLOSED) return resolve();
          d.socket.once('close', () => resolve());
          d.socket.close();
          setTimeout(() => {
            d.socket.terminate();
            resolve();
          }, 5_000).unref();
        }),
    );
    users = [];
    await Promise.all(closed);
  },
});

/** Opens a device's socket; resolves once its first state arrived. */
function open(user: User, spec: DeviceSpec): Promise<Device> {
  const url = `${spec.url}?token=${encodeURIComponent(user.spec.token)}&deviceId=${encodeURIComponent(spec.deviceId)}`;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const device: Device = { spec, socket, early: [] };
  const index = user.spec.devices.indexOf(spec);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`device ${spec.deviceId} of ${user.spec.userId}: no state within 30 s`));
    }, 30_000);
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error(`upgrade refused: ${response.statusCode ?? '?'}`));
    });
    // After the open an error closes the socket: the device's command then goes unanswered and shows as such.
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    let first = true;
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const at = performance.now();
      const frame = JSON.parse(data.toString()) as Frame;
      if (first && frame.type === 'state') {
        first = false;
        clearTimeout(timer);
        resolve(device);
        return;
      }
      receive(user, index, frame, at);
    });
  });
}

type Frame =
  | { type: 'state'; player: { version: number } }
  | { type: 'instruction' }
  | { type: 'result'; id?: string; applied?: boolean; version?: number; error?: { code: string; message: string } };

function send(user: User, sender: number, measured: boolean): void {
  const id = `c${(counter += 1)}`;
  const command = COMMANDS[user.step % COMMANDS.length]!(user.step);
  user.step += 1;
  for (const device of user.devices) device.early = [];
  const sentAt = performance.now();
  user.pending = { id, sentAt, sender, measured, arrivals: user.devices.map(() => undefined) };
  if (measured) stats.commands += 1;
  user.devices[sender]!.socket.send(JSON.stringify({ type: 'command', id, command }));
}

function receive(user: User, index: number, frame: Frame, at: number): void {
  const pending = user.pending;
  if (!pending) return;
  if (frame.type === 'state') {
    if (pending.version === undefined) user.devices[index]!.early.push([frame.player.version, at]);
    else if (pending.arrivals[index] === undefined && frame.player.version >= pending.version) pending.arrivals[index] = at;
  } else if (frame.type === 'result' && frame.id === pending.id) {
    if (pending.measured) stats.result.push(at - pending.sentAt);
    if (frame.error || !frame.applied || frame.version === undefined) {
      if (pending.measured) {
        if (frame.error) {
          stats.errors += 1;
          if (stats.errorSamples.length < 5) stats.errorSamples.push(`${frame.error.code}: ${frame.error.message}`);
        } else stats.notApplied += 1;
      }
      user.pending = undefined;
      return;
    }
    if (pending.measured) stats.applied += 1;
    pending.version = frame.version;
    user.devices.forEach((device, d) => {
      const early = device.early.find(([version]) => version >= frame.version!);
      if (early) pending.arrivals[d] = early[1];
      device.early = [];
    });
  }
  if (pending.version !== undefined && pending.arrivals.every((a) => a !== undefined)) complete(user, pending);
}

function complete(user: User, pending: Pending): void {
  user.pending = undefined;
  if (!pending.measured) return;
  const arrivals = pending.arrivals as number[];
  stats.complete += 1;
  stats.allDevices.push(Math.max(...arrivals) - pending.sentAt);
  const senderNode = user.devices[pending.sender]!.spec.node;
  arrivals.forEach((at, d) => (user.devices[d]!.spec.node === senderNode ? stats.sameNode : stats.crossNode).push(at - pending.sentAt));
}

/**
 * Calls `task` at a steady `perSecond` by the clock until `seconds` have passed (open loop); calls
 * still due at the deadline are dropped, so that a starved load process does not stretch the run
 * (the commands made and the pacer's worst lag tell).
 */
async function pace(perSecond: number, seconds: number, task: (index: number) => void): Promise<{ seconds: number; maxLagMs: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let launched = 0;
  let maxLagMs = 0;
  for (let now = started; now < deadline; now = performance.now()) {
    const due = Math.floor(((now - started) * perSecond) / 1_000) + 1;
    while (launched < due) {
      maxLagMs = Math.max(maxLagMs, now - started - (launched * 1_000) / perSecond);
      task(launched);
      launched += 1;
    }
    await sleep(1);
  }
  return { seconds: (performance.now() - started) / 1_000, maxLagMs };
}

/** A small seeded generator: the same seed picks the same sending devices. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
