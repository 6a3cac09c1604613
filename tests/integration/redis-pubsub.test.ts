/**
 * The Redis pub/sub gateway on a real Redis: a node alone on a prefix stops publishing there, and
 * publishes again as soon as another node says hello (when it subscribes, and when its subscriber
 * comes back after a dropped connection) or once ALONE_MS has passed.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisPubSub, type RedisPubSub } from '../../gateways/cache/pubsub.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { eventually } from '../support/sync-clients.js';

const logger = pino({ level: 'silent' });
const PREFIX = 'chan:';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Redis pub/sub: a node alone publishes nothing', () => {
  const keyPrefix = `chorus-test:pubsub:${randomBytes(5).toString('hex')}:`;
  const open: RedisPubSub[] = [];
  afterEach(async () => {
    for (const pubsub of open.splice(0)) await pubsub.close();
  });

  async function node(name: string, aloneMs: number): Promise<RedisPubSub & { heard: string[] }> {
    const heard: string[] = [];
    const pubsub = createRedisPubSub(TEST_REDIS_URL, keyPrefix, logger, { aloneMs, name: `${keyPrefix}${name}` });
    open.push(pubsub);
    await pubsub.subscribe(PREFIX, (channel, payload) => heard.push(`${channel}=${payload.toString()}`));
    return Object.assign(pubsub, { heard });
  }

  /** Publishes one message a millisecond apart until `until` holds (each publish is answered meanwhile). */
  async function publishUntil(pubsub: RedisPubSub, until: () => boolean, label: string): Promise<void> {
    for (let i = 0; i < 500 && !until(); i += 1) {
      pubsub.publish(`${PREFIX}p1`, Buffer.from(`${label}${i}`));
      await sleep(2);
    }
    expect(until()).toBe(true);
  }

  it('stops publishing when only its own subscriber hears it, and starts again on a hello', async () => {
    const a = await node('a', 60_000);
    await publishUntil(a, () => a.counts.skipped > 0, 'alone');
    const published = a.counts.published;
    for (let i = 0; i < 20; i += 1) a.publish(`${PREFIX}p1`, Buffer.from('unheard'));
    // A payload given as a function is not even built.
    let built = 0;
    a.publish(`${PREFIX}p1`, () => Buffer.from(`unheard${(built += 1)}`));
    expect(built).toBe(0);
    expect(a.counts.published).toBe(published);
    expect(a.counts.skipped).toBeGreaterThanOrEqual(22);

    const b = await node('b', 60_000);
    // B's hello reaches A well before A's minute alone is over.
    await publishUntil(a, () => b.heard.some((m) => m.startsWith(`${PREFIX}p1=after`)), 'after');
    a.publish(`${PREFIX}p1`, () => Buffer.from(`built${(built += 1)}`));
    await eventually(() => expect(b.heard).toContain(`${PREFIX}p1=built1`), 2_000);
    expect(b.heard.filter((m) => m.includes('unheard'))).toEqual([]);
    // B never hears its own or A's hello as a message.
    expect(b.heard.every((m) => m.startsWith(`${PREFIX}p1=`))).toBe(true);
  });

  it('goes on publishing while another node listens, and stops when it leaves', async () => {
    const a = await node('a2', 60_000);
    const b = await node('b2', 60_000);
    for (let i = 0; i < 30; i += 1) {
      a.publish(`${PREFIX}p1`, Buffer.from(`m${i}`));
      await sleep(2);
    }
    await eventually(() => expect(b.heard).toHaveLength(30), 2_000);
    expect(a.counts.skipped).toBe(0);
    await b.close();
    await publishUntil(a, () => a.counts.skipped > 0, 'left');
  });

  it('asks again once its time alone is over', async () => {
    const a = await node('a3', 150);
    await publishUntil(a, () => a.counts.skipped > 0, 'alone');
    const published = a.counts.published;
    await sleep(200);
    a.publish(`${PREFIX}p1`, Buffer.from('asking'));
    expect(a.counts.published).toBe(published + 1);
  });

  it('says hello again when its subscriber comes back after a dropped connection', async () => {
    const a = await node('a4', 60_000);
    const b = await node('b4', 60_000);
    const admin = new Redis(TEST_REDIS_URL);
    try {
      const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const line = list.split('\n').find((l) => l.includes(` name=${keyPrefix}b4-sub `));
      const addr = line && /(?:^| )addr=(\S+)/.exec(line)?.[1];
      expect(addr, "B's subscriber connection").toBeTruthy();
      // A publishes while B's subscriber is gone: heard by no one else, so A stops.
      await admin.call('CLIENT', 'KILL', 'ADDR', addr!);
      await publishUntil(a, () => a.counts.skipped > 0, 'gone');
      // B's subscriber reconnects and says hello: A publishes to it again, long before its minute is over.
      await publishUntil(a, () => b.heard.some((m) => m.startsWith(`${PREFIX}p1=back`)), 'back');
    } finally {
      admin.disconnect();
    }
  });
});
