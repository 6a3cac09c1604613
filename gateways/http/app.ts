/**
 * The Fastify application. This slice: liveness and readiness; the v1 API plugs in here.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
}

const checkResult = {
  type: 'object',
  required: ['name', 'ok'],
  properties: { name: { type: 'string' }, ok: { type: 'boolean' }, error: { type: 'string' } },
  additionalProperties: false,
} as const;

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    disableRequestLogging: false,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
  });

  app.get(
    '/healthz',
    {
      schema: {
        response: { 200: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'array', items: checkResult } } },
          503: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'array', items: checkResult } } },
        },
      },
    },
    async (_request, reply) => {
      const checks = await Promise.all(
        options.readiness.map(async ({ name, check }) => {
          try {
            await withTimeout(check(), 2_000, `${name} did not answer within 2 s`);
            return { name, ok: true };
          } catch (error) {
            return { name, ok: false, error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
      const ready = checks.every((c) => c.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );

  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
