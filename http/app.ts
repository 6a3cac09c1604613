/**
 * The Fastify application: one plugin per area under routes/, schemas at the edge for bodies,
 * parameters, queries and responses, errors from the registry in errors.ts (every answer, even to
 * a request no route sees, in the same envelope), bearer-token auth decided by the matched route
 * (`config: PUBLIC` opens one), text checked once on arrival, per-user rate limits on writes
 * across nodes, Prometheus metrics, and a request id that becomes the correlation id of the events
 * a request causes.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError } from 'fastify';
import type { Logger } from 'pino';
import { bearerToken } from './auth.js';
import type { Api, ApiDeps, RouteFlags } from './context.js';
import { REQUEST_ID_HEADER, answerClientError, answerFrameworkError, checkRequestText, requestId } from './edge.js';
import { ERROR_CODES, HttpError, toHttpError, type ErrorBody } from './errors.js';
import type { Metrics } from './metrics.js';
import { accountRoutes } from './routes/account.js';
import { adminUserRoutes } from './routes/admin-users.js';
import { authRoutes } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { browseRoutes } from './routes/browse.js';
import { chartRoutes } from './routes/charts.js';
import { streamingRoutes } from './routes/streaming.js';
import { followRoutes } from './routes/follows.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { meRoutes } from './routes/me.js';
import { playRoutes } from './routes/plays.js';
import { playerRoutes } from './routes/player.js';
import { downloadRoutes } from './routes/downloads.js';
import { itemRoutes } from './routes/items.js';
import { playlistRoutes } from './routes/playlists.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { registerOpenApi } from './openapi.js';
import { Registrations } from './registrations.js';
import { registerWriteLimit } from './rate-limit.js';
import { compileValidator } from './validation.js';
import { webPlugin, type WebOptions } from './web.js';

export type { ReadinessCheck } from './routes/health.js';

export interface HttpAppOptions {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  metrics: Metrics;
  /** The v1 API; without it only health and metrics are served. */
  api?: ApiDeps;
  /** Extra routes (the sync server's WebSocket upgrade lives beside, not in, Fastify). */
  bodyLimit?: number;
  /** Take the client address from X-Forwarded-For (behind a proxy). */
  trustProxy?: boolean;
  /** The browser client's build, served at `/` (none: not served). */
  web?: WebOptions;
}

export async function buildHttpApp(options: HttpAppOptions): Promise<Api> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    requestIdHeader: false,
    genReqId: requestId,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    return503OnClosing: true,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    routerOptions: { maxParamLength: 256 },
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(compileValidator);
  // JSON only: a text/plain body is refused with 415, not parsed.
  app.removeContentTypeParser('text/plain');

  app.decorateRequest('principal', undefined);
  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('preValidation', checkRequestText);
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

  await registerOpenApi(app);
  await healthRoutes(app, { readiness: options.readiness, metrics: options.metrics });
  if (options.web) await app.register(webPlugin, options.web);

  const api = options.api;
  if (api) {
    const registrations = new Registrations(api);
    // By the route the router matched (it decodes the path), so `/%761/search` is `/v1/search`
    // and needs a token like it. A path no route matches answers 404 without one.
    app.addHook('onRequest', async (request) => {
      if (request.is404 || (request.routeOptions.config as RouteFlags | undefined)?.public) return;
      request.principal = await api.auth.verify(bearerToken(request.headers.authorization));
    });
    // Users of an identity provider exist from their first call on.
    app.addHook('preHandler', async (request) => {
      if (request.principal) await registrations.ensure(request.principal, request.id);
    });
    await registerWriteLimit(app, { cache: api.cache, max: api.writesPerMinute ?? 600 });
    await authRoutes(app, api, registrations);
    await meRoutes(app, api);
    await accountRoutes(app, api);
    await adminUserRoutes(app, api);
    await catalogRoutes(app, api);
    await playRoutes(app, api);
    await followRoutes(app, api);
    await playlistRoutes(app, api);
    await itemRoutes(app, api);
    await chartRoutes(app, api);
    await playerRoutes(app, api);
    await downloadRoutes(app, api);
    await recommendationRoutes(app, api);
    await browseRoutes(app, api);
    await streamingRoutes(app, api, options.metrics);
  }
  return app;
}

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
