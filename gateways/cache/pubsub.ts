/**
 * Redis pub/sub for binary messages (sync and player fan-out between nodes): best effort, at most
 * once.
 *
 * A node alone on a prefix publishes nothing there. PUBLISH answers with the number of connections
 * that hear the message; when only this node's own subscriber heard one, no other node listens on
 * the prefix, and the node stops publishing there for ALONE_MS, then asks again with the next
 * message. A node that subscribes (at start, and again after its subscriber reconnects) says so on
 * the prefix (a hello: an empty message on the prefix itself), and every node that hears it
 * publishes again at once. What a node left unpublished meanwhile reaches the newcomer as anything
 * Redis drops does: through the stored events its nodes follow (DESIGN.md, section 6). A single
 * node with Redis thus spends nothing on a fan-out no one hears.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface PubSub {
  /** Publishes `payload` (built only when it is sent: a node alone builds nothing). */
  publish(channel: string, payload: Buffer | (() => Buffer)): void;
  /** Calls `handler` for messages on channels starting with `prefix` (and longer than it). */
  subscribe(prefix: string, handler: (channel: string, payload: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

/** What a Redis pub/sub has done, for tests and status. */
export interface RedisPubSub extends PubSub {
  readonly counts: { published: number; skipped: number };
}

/** How long `subscribe` waits for Redis to confirm a subscription before start-up goes on. */
const SUBSCRIBE_WAIT_MS = 3_000;
/** How long a node that was the only one to hear its message on a prefix stops publishing there. */
export const ALONE_MS = 1_000;

interface Prefix {
  prefix: string;
  pattern: string;
  handler: (channel: string, payload: Buffer) => void;
  /** This node's subscriber is known to listen on the prefix (PUBLISH's count includes it). */
  subscribed: boolean;
  /** A PSUBSCRIBE for it is under way. */
  pending: boolean;
  /** No publishing on the prefix until then (ms, performance.now()). */
  aloneUntil: number;
  /** Hellos heard on the prefix so far. */
  hellos: number;
}

export interface RedisPubSubOptions {
  /** How long a node alone on a prefix stops publishing there (default ALONE_MS). */
  aloneMs?: number;
  /** The connections' names in CLIENT LIST: `<name>-pub` and `<name>-sub` (default chorus-pubsub). */
  name?: string;
}

export function createRedisPubSub(url: string, keyPrefix: string, logger: Logger, options: RedisPubSubOptions = {}): RedisPubSub {
  const aloneMs = options.aloneMs ?? ALONE_MS;
  const name = options.name ?? 'chorus-pubsub';
  // Auto-pipelining: the publishes of one turn of the event loop (every edit relayed meanwhile)
  // go to Redis in one write, not one system call each.
  const publisher = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true, connectionName: `${name}-pub` });
  const subscriber = new Redis(url, { connectionName: `${name}-sub` });
  for (const connection of [publisher, subscriber]) connection.on('error', (error) => logger.debug({ err: error }, 'redis pub/sub: connection error'));
  /** The prefixes subscribed to, by their pattern (as Redis names the pattern a message matched). */
  const byPattern = new Map<string, Prefix>();
  const counts = { published: 0, skipped: 0 };
  let closed = false;

  const prefixOf = (channel: string): Prefix | undefined => {
    let found: Prefix | undefined;
    for (const p of byPattern.values()) if (channel.startsWith(p.prefix) && (!found || p.prefix.length > found.prefix.length)) found = p;
    return found;
  };

  /** Listens on the prefix (again), then says hello there; resolves to whether Redis confirmed. */
  const listen = (p: Prefix): Promise<boolean> => {
    p.pending = true;
    return subscriber.psubscribe(p.pattern).then(
      () => {
        p.pending = false;
        p.subscribed = true;
        publisher.publish(keyPrefix + p.prefix, Buffer.alloc(0)).catch((error: unknown) => logger.debug({ err: error }, 'redis pub/sub: hello failed'));
        return true;
      },
      (error: unknown) => {
        p.pending = false;
        logger.warn({ err: error }, 'redis pub/sub: subscribe failed');
        return false;
      },
    );
  };

  // Until it listens again, PUBLISH's count no longer includes this node.
  subscriber.on('close', () => {
    for (const p of byPattern.values()) p.subscribed = false;
  });
  subscriber.on('ready', () => {
    if (closed) return;
    for (const p of byPattern.values()) if (!p.subscribed && !p.pending) void listen(p);
  });
  // One connection serves every prefix: a message goes to its pattern's handler, a hello (the bare
  // prefix) only tells this node that another one listens there.
  subscriber.on('pmessageBuffer', (matched: Buffer, channelBytes: Buffer, payload: Buffer) => {
    const p = byPattern.get(matched.toString());
    if (!p) return;
    const channel = channelBytes.toString().slice(keyPrefix.length);
    if (channel !== p.prefix) return p.handler(channel, payload);
    p.hellos += 1;
    p.aloneUntil = 0;
  });

  return {
    counts,
    publish(channel, payload) {
      const p = prefixOf(channel);
      if (p && p.aloneUntil > performance.now()) {
        counts.skipped += 1;
        return;
      }
      counts.published += 1;
      const hellos = p?.hellos;
      publisher.publish(keyPrefix + channel, typeof payload === 'function' ? payload() : payload).then(
        (heard) => {
          if (!p) return;
          // Only this node heard it, and no one said hello since it was sent.
          if (heard <= 1 && p.subscribed && p.hellos === hellos) p.aloneUntil = performance.now() + aloneMs;
          else if (heard > 1) p.aloneUntil = 0;
        },
        (error: unknown) => logger.debug({ err: error }, 'redis pub/sub: publish failed'),
      );
    },
    async subscribe(prefix, handler) {
      const pattern = `${keyPrefix}${prefix}`.replace(/[*?[\]\\]/g, '\\$&') + '*';
      const p: Prefix = { prefix, pattern, handler, subscribed: false, pending: false, aloneUntil: 0, hellos: 0 };
      byPattern.set(pattern, p);
      // Awaited for a moment only: a node that is up hears the others from its first edit, while
      // with Redis down start-up goes on (the nodes still meet through the stored events) and
      // ioredis subscribes once it connects.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS)));
      if (!(await Promise.race([listen(p), late]))) logger.warn({ pattern: p.pattern }, 'redis pub/sub: not subscribed yet; going on without the fan-out until Redis answers');
      clearTimeout(timer);
    },
    async close() {
      closed = true;
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
