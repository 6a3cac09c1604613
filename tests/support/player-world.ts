/**
 * Chorus nodes in this process sharing one fresh PostgreSQL database and one Redis key prefix
 * (so a command on one reaches devices on another only through Redis and the store), and player
 * devices as real WebSocket clients of `/v1/sync/player` that keep every frame they receive with
 * the time it arrived.
 */
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../app/config.js';
import { startChorus, type RunningChorus } from '../../app/main.js';
import type { Instruction, PlayerView } from '../../domain/player/view.js';
import { ApiClient } from './api-client.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { TEST_REDIS_URL, createTestRedis, type TestRedis } from './redis.js';

const SECRET = 'player-tests-dev-token-secret-0123456789abcdef';

export interface PlayerNode {
  url: string;
  wsUrl: string;
  api: ApiClient;
  running: RunningChorus;
}

export interface PlayerWorld {
  db: TestDatabase;
  redis: TestRedis;
  nodes: PlayerNode[];
  /** A dev token for `userId` (registering them). */
  login(userId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startPlayerWorld(label: string, nodeCount = 2): Promise<PlayerWorld> {
  const db = await createTestDatabase(`player_${label}`);
  const redis = await createTestRedis(`player-${label}`);
  const nodes: PlayerNode[] = [];
  for (let i = 0; i < nodeCount; i += 1) {
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      CHORUS_REDIS_KEY_PREFIX: redis.prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      CHORUS_DEMO_CATALOG: i === 0 ? '1' : '0',
      CHORUS_DEV_TOKEN_SECRET: SECRET,
      CHORUS_RATE_LIMIT_WRITES: '100000',
      CHORUS_WEB: '0',
      CHORUS_NODE_ID: `player-${label}-${i}`,
    };
    const running = await startChorus(loadConfig(env), pino({ level: process.env.CHORUS_PLAYER_TEST_LOG_LEVEL ?? 'silent' }));
    nodes.push({ url: running.url, wsUrl: `${running.url.replace('http', 'ws')}/v1/sync/player`, api: new ApiClient(running.url), running });
  }
  return {
    db,
    redis,
    nodes,
    async login(userId) {
      const response = await nodes[0]!.api.post<{ token: string }>('/v1/auth/dev-token', { userId, displayName: userId });
      if (response.status !== 200) throw new Error(`dev-token: ${response.status} ${response.text}`);
      return response.body.token;
    },
    async close() {
      for (const node of nodes) await node.running.close().catch(() => undefined);
      await redis.cleanup();
      await db.drop();
    },
  };
}

export interface Received<T> {
  at: number;
  value: T;
}

/** An instruction as received (`positionMs` and `at` are there for play and pause). */
export type InstructionFrame = { op: Instruction['op']; trackId?: string; positionMs: number; at: string; version: number; serverTime: string };

export interface ResultFrame {
  type: 'result';
  id?: string;
  applied?: boolean;
  stale?: boolean;
  version?: number;
  error?: { code: string; message: string };
}

/** One device on the player socket. */
export class Device {
  readonly states: Received<PlayerView>[] = [];
  readonly instructions: Received<InstructionFrame>[] = [];
  readonly results: ResultFrame[] = [];
  closeCode: number | undefined;
  private counter = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly id: string,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString()) as { type: string; player?: PlayerView; instruction?: Instruction; serverTime?: string };
      const at = performance.now();
      if (frame.type === 'state') this.states.push({ at, value: frame.player! });
      else if (frame.type === 'instruction') this.instructions.push({ at, value: { ...frame.instruction!, serverTime: frame.serverTime! } as InstructionFrame });
      else if (frame.type === 'result') this.results.push(frame as unknown as ResultFrame);
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async connect(wsUrl: string, token: string, deviceId: string): Promise<Device> {
    const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}&deviceId=${encodeURIComponent(deviceId)}`);
    const device = new Device(deviceId, socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    await device.until(() => device.states.length > 0, 'the first state');
    return device;
  }

  /** The newest state received. */
  get state(): PlayerView {
    return this.states.at(-1)!.value;
  }

  /** Sends a command and resolves with its result frame. */
  async command(command: Record<string, unknown>, stateVersion?: number): Promise<ResultFrame> {
    const id = `c${(this.counter += 1)}`;
    this.socket.send(JSON.stringify({ type: 'command', id, command: stateVersion === undefined ? command : { ...command, stateVersion } }));
    return this.until(() => this.results.find((r) => r.id === id), `the result of ${JSON.stringify(command)}`);
  }

  /** Resolves with `check()`'s first truthy value (rejects after `timeoutMs`). */
  async until<T>(check: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`device ${this.id}: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once a state of version >= `version` arrived; returns when it arrived (performance.now()). */
  async stateAt(version: number): Promise<Received<PlayerView>> {
    return this.until(() => this.states.find((s) => s.value.version >= version), `state v${version}`);
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The status of an upgrade that was refused (or 101). */
export async function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)));
  });
}
