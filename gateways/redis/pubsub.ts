/** Redis pub/sub for binary messages (sync fan-out between nodes): best effort, at most once. */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface PubSub {
  publish(channel: string, payload: Buffer): void;
  /** Calls `handler` for messages on channels starting with `prefix`. */
  subscribe(prefix: string, handler: (channel: string, payload: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

export function createRedisPubSub(url: string, keyPrefix: string, logger: Logger): PubSub {
  const publisher = new Redis(url, { maxRetriesPerRequest: 1 });
  const subscriber = new Redis(url);
  for (const connection of [publisher, subscriber]) connection.on('error', (error) => logger.debug({ err: error }, 'redis pub/sub: connection error'));
  return {
    publish(channel, payload) {
      publisher.publish(keyPrefix + channel, payload).catch((error: unknown) => logger.debug({ err: error }, 'redis pub/sub: publish failed'));
    },
    async subscribe(prefix, handler) {
      const pattern = `${keyPrefix}${prefix}`.replace(/[*?[\]\\]/g, '\\$&') + '*';
      subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) => {
        handler(channel.toString().slice(keyPrefix.length), payload);
      });
      // Not awaited: with Redis down, start-up goes on (the nodes still meet through the stored
      // events) and ioredis subscribes once it connects.
      subscriber.psubscribe(pattern).catch((error: unknown) => logger.warn({ err: error }, 'redis pub/sub: subscribe failed'));
    },
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
