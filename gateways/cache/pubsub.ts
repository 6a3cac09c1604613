/** Redis pub/sub for binary messages (sync fan-out between nodes): best effort, at most once. */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface PubSub {
  publish(channel: string, payload: Buffer): void;
  /** Calls `handler` for messages on channels starting with `prefix`. */
  subscribe(prefix: string, handler: (channel: string, payload: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

/** How long `subscribe` waits for Redis to confirm a subscription before start-up goes on. */
const SUBSCRIBE_WAIT_MS = 3_000;

export function createRedisPubSub(url: string, keyPrefix: string, logger: Logger): PubSub {
  // Auto-pipelining: the publishes of one turn of the event loop (every edit relayed meanwhile)
  // go to Redis in one write, not one system call each.
  const publisher = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  const subscriber = new Redis(url);
  for (const connection of [publisher, subscriber]) connection.on('error', (error) => logger.debug({ err: error }, 'redis pub/sub: connection error'));
  return {
    publish(channel, payload) {
      publisher.publish(keyPrefix + channel, payload).catch((error: unknown) => logger.debug({ err: error }, 'redis pub/sub: publish failed'));
    },
    async subscribe(prefix, handler) {
      const pattern = `${keyPrefix}${prefix}`.replace(/[*?[\]\\]/g, '\\$&') + '*';
      subscriber.on('pmessageBuffer', (matched: Buffer, channel: Buffer, payload: Buffer) => {
        // One connection serves every subscription: each handler hears only its own pattern.
        if (matched.toString() !== pattern) return;
        handler(channel.toString().slice(keyPrefix.length), payload);
      });
      // Awaited for a moment only: a node that is up hears the others from its first edit, while
      // with Redis down start-up goes on (the nodes still meet through the stored events) and
      // ioredis subscribes once it connects.
      const subscribed = subscriber.psubscribe(pattern).then(
        () => true,
        (error: unknown) => {
          logger.warn({ err: error }, 'redis pub/sub: subscribe failed');
          return false;
        },
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS)));
      if (!(await Promise.race([subscribed, late]))) logger.warn({ pattern }, 'redis pub/sub: not subscribed yet; going on without the fan-out until Redis answers');
      clearTimeout(timer);
    },
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
