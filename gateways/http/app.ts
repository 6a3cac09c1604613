/**
 * The Fastify application: one plugin per area under routes/, schemas at the edge for bodies,
 * parameters, queries and responses, errors from the registry in errors.ts, bearer-token auth,
 * per-user rate limits on writes, Prometheus metrics, and a request id that becomes the
 * correlation id of the events a request causes.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { bearerToken } from './auth.js';
import type { Api, ApiDeps } from './context.js';
import { ERROR_CODES, HttpError, toHttpError, type ErrorBody } from './errors.js';
import type { Metrics } from './metrics.js';
import { authRoutes } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { chartRoutes } from './routes/charts.js';
import { followRoutes } from './routes/follows.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { meRoutes } from './routes/me.js';
import { playRoutes } from './routes/plays.js';
import { itemRoutes } from './routes/items.js';
import { playlistRoutes } from './routes/playlists.js';
import { Registrations } from './registrations.js';
import { compileValidator } from './validation.js';
import { WriteLimiter } from './write-limiter.js';

export type { ReadinessCheck } from './routes/health.js';

export interface HttpAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  metrics: Metrics;
  /** The v1 API; without it only health and metrics are served. */
  api?: ApiDeps;
  /** Extra routes (the sync server's WebSocket upgrade lives beside, not in, Fastify). */
  bodyLimit?: number;
}

/** Routes that answer without a token. */
const PUBLIC = new Set(['/healthz', '/readyz', '/metrics', '/v1/auth/dev-token']);

export async function buildHttpApp(options: HttpAppOptions): Promise<Api> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    maxParamLength: 256,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(compileValidator);
  // JSON only: a text/plain body is refused with 415, not parsed.
  app.removeContentTypeParser('text/plain');

  app.decorateRequest('principal', undefined);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const http = translateFastifyError(error);
    if (http.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: http.code, message: http.message }, 'request refused');
    if (http.code === 'RATE_LIMITED') options.metrics.rateLimited.inc({ route: request.routeOptions.url ?? 'unmatched' });
    const body: ErrorBody = { error: { code: http.code, message: http.message } };
    return reply.code(http.status).headers(http.headers).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } };
    return reply.code(404).send(body);
  });

  await healthRoutes(app, { readiness: options.readiness, metrics: options.metrics });

  const api = options.api;
  if (api) {
    const registrations = new Registrations(api);
    app.addHook('onRequest', async (request) => {
      const path = request.url.split('?')[0]!;
      if (PUBLIC.has(path) || !path.startsWith('/v1/')) return;
      request.principal = await api.auth.verify(bearerToken(request.headers.authorization));
    });
    // Users of an identity provider exist from their first call on.
    app.addHook('preHandler', async (request) => {
      if (request.principal) await registrations.ensure(request.principal, request.id);
    });
    const limiter = new WriteLimiter(api.writesPerMinute ?? 600);
    app.addHook('preHandler', async (request) => {
      if ((request.routeOptions.config as { write?: boolean }).write && request.principal) limiter.take(request.principal.userId);
    });
    await authRoutes(app, api, registrations);
    await meRoutes(app, api);
    await catalogRoutes(app, api);
    await playRoutes(app, api);
    await followRoutes(app, api);
    await playlistRoutes(app, api);
    await itemRoutes(app, api);
    await chartRoutes(app, api);
  }
  return app;
}

/** Marks a write route (`{ config: WRITE }`): counted by the per-user write limit. */
export const WRITE = { write: true } as const;

function translateFastifyError(error: FastifyError): HttpError {
  if (error instanceof HttpError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const where = error.validationContext ?? 'request';
    const field = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
    const detail =
      first?.keyword === 'additionalProperties'
        ? `unknown field ${JSON.stringify((first.params as { additionalProperty?: string }).additionalProperty)}`
        : (first?.message ?? 'is not valid');
    return new HttpError('VALIDATION_FAILED', `${field} ${detail}`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError('PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError('UNSUPPORTED_MEDIA_TYPE', 'send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError('VALIDATION_FAILED', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError('VALIDATION_FAILED', 'the body is not valid JSON');
    default:
      break;
  }
  if (error.statusCode === 400 && error.message) return new HttpError('VALIDATION_FAILED', error.message);
  return toHttpError(error);
}

/** Every code, for the README check. */
export const ALL_ERROR_CODES = Object.keys(ERROR_CODES);
