/**
 * The per-user write limit, with @fastify/rate-limit: at most `max` writes a minute per user (per
 * address on a write route without a token: minting dev tokens) across every write route
 * (`config: WRITE`) and, through the cache port's window counters (Redis when there is one),
 * across every node. Over it: 429 RATE_LIMITED with Retry-After. A cache that cannot be reached
 * lets writes through (the event store, not the cache, is what a write needs).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Cache } from '../gateways/cache/port.js';
import type { Api, RouteFlags } from './context.js';
import { HttpError } from './errors.js';

const WINDOW_MS = 60_000;

/** The key space of rate-limit counters in the cache. */
export const RATE_LIMIT_KEYS = 'chorus:limit:http-writes:';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A store of @fastify/rate-limit over the cache port (fixed windows, shared by every node). */
function cacheStore(cache: Cache) {
  return class CacheStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      cache.hit(RATE_LIMIT_KEYS + key, Math.ceil(timeWindow / 1000)).then(
        ({ count, resetInSeconds }) => callback(null, { current: count, ttl: resetInSeconds * 1000 }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(): CacheStore {
      return this;
    }
  };
}

const isWrite = (request: FastifyRequest) => (request.routeOptions.config as RouteFlags | undefined)?.write === true;

/** Registers the limit; call before the routes are added (it hooks every route as it is added). */
export async function registerWriteLimit(app: Api, options: { cache: Cache; max: number }): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: WINDOW_MS,
    // After authentication (onRequest), so that the key is the user.
    hook: 'preHandler',
    store: cacheStore(options.cache),
    skipOnError: true,
    allowList: (request) => !isWrite(request),
    keyGenerator: (request) => (request.principal ? `user:${request.principal.userId}` : `address:${request.ip}`),
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return new HttpError('RATE_LIMITED', `too many writes: at most ${context.max} a minute; retry in ${retryAfter} s`, { 'retry-after': String(retryAfter) });
    },
  });
}
