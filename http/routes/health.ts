/**
 * Liveness, readiness and metrics: no token needed. /readyz is public, so it says what is wrong in
 * words written for anyone (ReadinessProblem); the errors behind them (driver messages, SQL, hosts,
 * ids) go to the log only.
 */
import { Type } from '@sinclair/typebox';
import { PUBLIC, type Api } from '../context.js';
import type { Metrics } from '../metrics.js';
import { responses } from '../schemas.js';

export interface ReadinessCheck {
  name: string;
  /** Throws when not ready; may resolve with a note for a ready check (no internals). */
  check(): Promise<string | void>;
}

/** Not ready, with a message fit for the public /readyz answer. */
export class ReadinessProblem extends Error {
  override readonly name = 'ReadinessProblem';
}

const CheckResult = Type.Object(
  { name: Type.String(), ok: Type.Boolean(), error: Type.Optional(Type.String()), detail: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const Readiness = Type.Object({ status: Type.String(), checks: Type.Array(CheckResult) });

export async function healthRoutes(app: Api, options: { readiness: readonly ReadinessCheck[]; metrics: Metrics }): Promise<void> {
  app.get(
    '/healthz',
    { config: PUBLIC, schema: { response: responses({ 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) }) } },
    async () => ({ status: 'ok' as const }),
  );

  app.get('/readyz', { config: PUBLIC, schema: { response: responses({ 200: Readiness, 503: Readiness }) } }, async (request, reply) => {
    const checks = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          const detail = await withTimeout(check(), 2_000, new ReadinessProblem(`did not answer within 2 s`));
          return detail ? { name, ok: true, detail } : { name, ok: true };
        } catch (error) {
          if (error instanceof ReadinessProblem) return { name, ok: false, error: error.message };
          request.log.warn({ err: error, check: name }, 'readiness check failed');
          return { name, ok: false, error: 'unavailable (see the server log)' };
        }
      }),
    );
    const ready = checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  const Exposition = { content: { 'text/plain': { schema: Type.String({ description: 'the Prometheus text format' }) } } };
  app.get('/metrics', { config: PUBLIC, schema: { response: { ...responses({}), 200: Exposition } } }, async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
