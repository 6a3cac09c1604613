/**
 * The player service's copy of each user's state: a command decides on it and appends at its
 * version without reading the store first; when another node appended meanwhile (a change this
 * node has not heard of), the append is refused and the command reads the store and decides
 * again, so two nodes writing one user's player still end in one state, in the server's order.
 * Two services on one database stand for two nodes whose pub/sub messages were all lost.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayerSync, type RunningPlayerSync } from '../../app/player-sync.js';
import { PlayerService } from '../../application/player/player.js';
import { playerStream, type PlayerEvent } from '../../domain/player/events.js';
import { evolvePlayer, initialPlayerState, type PlayerState } from '../../domain/player/state.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { EventStore } from '../../gateways/event-store/port.js';
import { createRedisPubSub } from '../../gateways/cache/pubsub.js';
import { parsePosition } from '../../gateways/event-store/position.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { Device, startPlayerWorld, type PlayerWorld } from '../support/player-world.js';
import { TEST_REDIS_URL } from '../support/redis.js';

const TRACKS = ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4'];

let world: PlayerWorld;
let sql: SqlClient;
let store: PostgresEventStore;
beforeAll(async () => {
  // One node: it made the schema and keeps the `player` read model; the services below are the "nodes".
  world = await startPlayerWorld('service', 1);
  sql = createPgClient({ connectionString: world.db.url, max: 4 });
  store = await PostgresEventStore.open(sql);
});
afterAll(async () => {
  await sql?.close();
  await world?.close();
});

/** The shared store, counting the stream reads made through it. */
function countingStore(): { store: EventStore; reads: () => number } {
  let reads = 0;
  const counting: EventStore = Object.create(store) as EventStore;
  counting.readStream = (...args: Parameters<EventStore['readStream']>) => {
    reads += 1;
    return store.readStream(...args);
  };
  return { store: counting, reads: () => reads };
}

/** A node's service on the shared store, counting the stream reads it makes. */
function node(): { service: PlayerService; reads: () => number } {
  const { store: counting, reads } = countingStore();
  return { service: new PlayerService({ store: counting, sql, now: () => new Date() }), reads };
}

async function stored(userId: string): Promise<PlayerState> {
  let state = initialPlayerState;
  for await (const e of store.readStream(playerStream(userId))) state = evolvePlayer(state, { type: e.type, data: e.data } as unknown as PlayerEvent);
  return state;
}

let users = 0;
/** A user with two devices and four tracks playing on `phone`, set up through `a`. */
async function playing(a: PlayerService): Promise<string> {
  const userId = `service-${(users += 1)}-${Date.now()}`;
  for (const id of ['phone', 'laptop']) await a.execute(userId, { type: 'RegisterDevice', deviceId: id, name: id, deviceType: 'computer' });
  await a.execute(userId, { type: 'Play', deviceId: 'phone', tracks: TRACKS, index: 0, context: null });
  return userId;
}

describe('player service: this node copy of the state', () => {
  it('a command decides on the copy and appends without reading the store first', async () => {
    const a = node();
    const userId = await playing(a.service);
    const reads = a.reads();
    const paused = await a.service.execute(userId, { type: 'Pause', by: 'phone' });
    const next = await a.service.execute(userId, { type: 'Next', by: 'laptop' });
    expect(paused.applied && next.applied).toBe(true);
    expect(a.reads() - reads, 'stream reads for two commands').toBe(0);
    expect(next.state).toEqual(await stored(userId));
  });

  it('another node appended meanwhile: the append is refused, the command reads and applies after it; one state everywhere', async () => {
    const a = node();
    const b = node();
    const userId = await playing(a.service);
    // B moves on twice; A never hears of it (its copy is two versions behind).
    await b.service.execute(userId, { type: 'Next', by: 'laptop' });
    await b.service.execute(userId, { type: 'Seek', positionMs: 30_000, by: 'laptop' });
    const seekedOnB = await stored(userId);
    const reads = a.reads();
    const paused = await a.service.execute(userId, { type: 'Pause', by: 'phone' });
    expect(paused).toMatchObject({ applied: true, stale: false });
    expect(a.reads() - reads, 'one read after the refused append').toBe(1);
    expect(paused.state.version).toBe(seekedOnB.version + 1);
    expect(paused.state.playback).toMatchObject({ index: 1, isPlaying: false });
    const final = await stored(userId);
    expect(paused.state).toEqual(final);
    expect(await a.service.state(userId)).toEqual(final);
    expect(await b.service.state(userId)).toEqual(final);
  });

  it('both nodes append for one user at once, many times: one state, every command applied once, in one order', async () => {
    const a = node();
    const b = node();
    const userId = await playing(a.service);
    await b.service.state(userId);
    const seeks = (service: PlayerService, from: number) =>
      Array.from({ length: 8 }, (_, i) => service.execute(userId, { type: 'Seek', positionMs: (from + i) * 1_000, by: 'phone' }));
    const outcomes = await Promise.all([...seeks(a.service, 100), ...seeks(b.service, 200)]);
    expect(outcomes.every((o) => o.applied)).toBe(true);
    const versions = outcomes.map((o) => o.state.version).sort((x, y) => x - y);
    expect(new Set(versions).size, 'each command its own version').toBe(16);
    const final = await stored(userId);
    expect(versions.at(-1)).toBe(final.version);
    expect(await a.service.state(userId)).toEqual(final);
    expect(await b.service.state(userId)).toEqual(final);
  });

  it('a command the stale copy would find changes nothing is checked against the store', async () => {
    const a = node();
    const b = node();
    const userId = await playing(a.service);
    await a.service.execute(userId, { type: 'Pause', by: 'phone' });
    await b.service.execute(userId, { type: 'Play', by: 'laptop' }); // resumed on B; A's copy says paused
    const paused = await a.service.execute(userId, { type: 'Pause', by: 'phone' });
    expect(paused.applied, 'paused, not "already paused"').toBe(true);
    expect(paused.state.playback?.isPlaying).toBe(false);
    expect(paused.state).toEqual(await stored(userId));
  });

  it('"next" made against an older version on a node behind is answered stale with the current state', async () => {
    const a = node();
    const b = node();
    const userId = await playing(a.service);
    const shown = (await a.service.state(userId)).version;
    const skipped = await b.service.execute(userId, { type: 'Next', by: 'laptop', stateVersion: shown });
    expect(skipped.applied).toBe(true);
    // The same press on A, whose copy still shows that version: applied on the copy it would skip twice.
    const again = await a.service.execute(userId, { type: 'Next', by: 'phone', stateVersion: shown });
    expect(again).toMatchObject({ applied: false, stale: true });
    expect(again.state).toEqual(skipped.state);
    expect(again.state.playback?.index).toBe(1);
  });

  it('a command refused on the copy (a device registered on another node) is decided on the store', async () => {
    const a = node();
    const b = node();
    const userId = await playing(a.service);
    await b.service.execute(userId, { type: 'RegisterDevice', deviceId: 'speaker', name: 'speaker', deviceType: 'speaker' });
    const moved = await a.service.execute(userId, { type: 'Transfer', deviceId: 'speaker', by: 'phone' });
    expect(moved.applied).toBe(true);
    expect(moved.state.activeDeviceId).toBe('speaker');
    expect(moved.state).toEqual(await stored(userId));
  });

  it('a copy ahead of the store (a state heard on pub/sub, never stored) is dropped: the next command applies on the stored state', async () => {
    const a = node();
    const userId = await playing(a.service);
    const real = await stored(userId);
    a.service.remember(userId, { ...real, version: real.version + 5 });
    const paused = await a.service.execute(userId, { type: 'Pause', by: 'phone' });
    expect(paused.applied).toBe(true);
    expect(paused.state.version).toBe(real.version + 1);
    expect(paused.state).toEqual(await stored(userId));
  });
});

describe('player service: appends of many users', () => {
  it('commands of several users that come in one turn of the event loop are stored in one transaction', async () => {
    const a = node();
    const userIds: string[] = [];
    for (let i = 0; i < 6; i += 1) userIds.push(await playing(a.service));
    // As from several sockets read in one turn: each command in a callback of its own, all in one
    // phase of the event loop (timers of 0 ms may fall due in two turns when their creation spans
    // a millisecond on a busy machine).
    const outcomes = await new Promise<Array<Awaited<ReturnType<PlayerService['execute']>>>>((resolve, reject) => {
      const started = userIds.map(
        (userId) => new Promise<Awaited<ReturnType<PlayerService['execute']>>>((done) => setImmediate(() => done(a.service.execute(userId, { type: 'Pause', by: 'phone' })))),
      );
      Promise.all(started).then(resolve, reject);
    });
    expect(outcomes.every((o) => o.applied)).toBe(true);
    const transactions = new Set(outcomes.map((o) => parsePosition(o.position!).major));
    expect(transactions.size, 'transactions for six users').toBe(1);
    for (const [i, userId] of userIds.entries()) expect(outcomes[i]!.state).toEqual(await stored(userId));
  });
});

describe('player fan-out between two nodes', () => {
  let servers: Server[] = [];
  let nodes: Array<RunningPlayerSync & { wsUrl: string; reads: () => number }> = [];
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    const prefix = `${world.redis.prefix}fanout:`;
    for (let i = 0; i < 2; i += 1) {
      const { store: counting, reads } = countingStore();
      const pubsub = createRedisPubSub(TEST_REDIS_URL, prefix, logger);
      // The token is the user id here: what is tested is what happens after the upgrade.
      const auth = { verify: async (token: string) => ({ userId: token }) };
      const running = await startPlayerSync({ store: counting, sql, auth, logger, now: () => new Date(), pubsub });
      const server = createServer();
      server.on('upgrade', (request, socket, head) => void running.server.handleUpgrade(request, socket, head));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      nodes.push({ ...running, wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/sync/player`, reads });
      closers.push(async () => {
        await running.close();
        await new Promise((resolve) => server.close(resolve));
        await pubsub.close();
      });
    }
  });
  afterAll(async () => {
    for (const close of closers) await close();
    servers = [];
    nodes = [];
  });

  it('a change heard on pub/sub is not read again from the store; one stored without pub/sub still arrives', async () => {
    const [a, b] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    const userId = await playing(a.service);
    const phone = await Device.connect(a.wsUrl, userId, 'phone');
    const laptop = await Device.connect(b.wsUrl, userId, 'laptop');
    try {
      await laptop.stateAt((await stored(userId)).version);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the connection's own reads are done
      const before = b.reads();
      let version = 0;
      for (let i = 0; i < 10; i += 1) {
        const result = await phone.command({ type: 'seek', positionMs: 10_000 + i * 1_000 });
        version = result.version!;
        await laptop.stateAt(version);
      }
      // The stored events reach node B too (its backstop subscription): they must not cost a read.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(b.reads() - before, "node B's stream reads for ten changes heard on pub/sub").toBe(0);

      // A change stored by a node that publishes nothing (as if pub/sub lost it) reaches both nodes' devices from the store.
      const silent = new PlayerService({ store, sql, now: () => new Date() });
      const paused = await silent.execute(userId, { type: 'Pause', by: 'phone' });
      expect(paused.state.version).toBe(version + 1);
      expect((await laptop.stateAt(paused.state.version)).value).toMatchObject({ isPlaying: false });
      expect((await phone.stateAt(paused.state.version)).value).toMatchObject({ isPlaying: false });
    } finally {
      phone.close();
      laptop.close();
    }
  });
});
