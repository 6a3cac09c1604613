/**
 * The OpenSubsonic edge: `/rest/<method>` and `/rest/<method>.view`, GET and POST (form), XML by
 * default and JSON with `f=json`, in the `subsonic-response` envelope. Each call is signed
 * (auth.ts) but getOpenSubsonicExtensions; each method (methods/) answers from the read models
 * and the use cases of application/, like the HTTP API does.
 *
 * Registered by app/ on the same Fastify instance as the HTTP API; its route says `public` (the
 * HTTP API's bearer token does not apply: Subsonic signs in with its own parameters) and is in
 * the OpenAPI document as one operation per HTTP method.
 */
import type { FastifyContextConfig, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Serialized } from './answers.js';
import { authenticate } from './auth.js';
import { SENT, type Method, type MethodContext, type SubsonicDeps } from './context.js';
import { CONTENT_TYPES, failedEnvelope, okEnvelope, serialize, type Envelope, type Format, type Payload } from './envelope.js';
import { SubsonicError, missing, toSubsonicError } from './errors.js';
import { annotationMethods } from './methods/annotation.js';
import { browsingMethods } from './methods/browsing.js';
import { searchMethods } from './methods/search.js';
import { listMethods } from './methods/lists.js';
import { mediaMethods } from './methods/media.js';
import { playQueueMethods } from './methods/play-queue.js';
import { playlistMethods } from './methods/playlists.js';
import { systemMethods } from './methods/system.js';
import { NowPlaying } from './now-playing.js';
import { Params, type RawParams } from './params.js';

export const METHODS: Readonly<Record<string, Method>> = {
  ...systemMethods,
  ...browsingMethods,
  ...searchMethods,
  ...listMethods,
  ...playlistMethods,
  ...annotationMethods,
  ...playQueueMethods,
  ...mediaMethods,
};

/**
 * The route as the OpenAPI document shows it. Every answer of a method, failures included, is a
 * 200 with the envelope (as Subsonic apps expect); only requests that never reach the route
 * (broken HTTP, headers too large) get the HTTP API's error body.
 */
const ROUTE_SCHEMA = {
  tags: ['subsonic'],
  summary: 'OpenSubsonic API: one method (`ping`, `getAlbum`, …; `.view` may follow)',
  description:
    'Parameters in the query or, with POST, in an application/x-www-form-urlencoded body. Sign in with `u` and `p` ' +
    '(or `enc:` and hex), `u`, `t` and `s`, or `apiKey` (see the README). XML by default, JSON with `f=json`.',
  params: { type: 'object', properties: { method: { type: 'string', description: 'the method, e.g. getAlbum or getAlbum.view' } }, required: ['method'] },
  response: {
    200: {
      description: 'the subsonic-response envelope (status "ok", or "failed" with the error code)',
      type: 'object',
      properties: { 'subsonic-response': { type: 'object', additionalProperties: true } },
    },
    '4xx': { $ref: 'ErrorBody' },
    '5xx': { $ref: 'ErrorBody' },
  },
};

/** The client's protocol version: 1.x up to ours. */
const MAJOR = 1;
const MINOR = 16;

export async function subsonicPlugin(app: FastifyInstance, deps: SubsonicDeps): Promise<void> {
  const nowPlaying = new NowPlaying();
  await app.register(async (scope) => {
    // The formPost extension: parameters in an application/x-www-form-urlencoded body.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, formFields(String(body)));
    });
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const known = toSubsonicError(error);
      if (known) return answer(reply, formatOf(request), failedEnvelope(deps.serverVersion, known), 200);
      const status = error.statusCode ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'subsonic: request failed');
      const message = status >= 500 ? 'the server failed to answer; try again' : error.message;
      return answer(reply, formatOf(request), failedEnvelope(deps.serverVersion, new SubsonicError(0, message)), 200);
    });
    scope.route<{ Params: { method: string } }>({
      method: ['GET', 'POST'],
      url: '/rest/:method',
      // The HTTP API's bearer token does not apply (its `public` route flag): Subsonic signs each call.
      config: { public: true } as FastifyContextConfig,
      schema: ROUTE_SCHEMA,
      handler: async (request, reply) => {
        const params = new Params(request.query as RawParams, request.body as RawParams);
        const format = formatIn(params);
        if (params.string('f') === 'jsonp') throw new SubsonicError(0, 'f=jsonp is not supported: use f=json or f=xml');
        const name = request.params.method.replace(/\.view$/, '');
        const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
        if (!method) throw new SubsonicError(0, `unknown method: ${name.slice(0, 64)}`);
        if (!method.public) checkVersion(params.string('v'));
        const userId = method.public
          ? ''
          : await authenticate(deps.accounts, params, { authorization: request.headers.authorization, address: request.ip });
        const context: MethodContext = { deps, params, userId, client: params.string('c')?.slice(0, 128) || 'subsonic', format, nowPlaying, request, reply };
        const result = await method.run(context);
        if (result === SENT) return reply;
        if (result instanceof Serialized) return send(reply, format, result.body);
        return answer(reply, format, okEnvelope(deps.serverVersion, result as Payload), 200);
      },
    });
  });
}

function answer(reply: FastifyReply, format: Format, envelope: Envelope, status: number): FastifyReply {
  return send(reply, format, serialize(format, envelope), status);
}

function send(reply: FastifyReply, format: Format, body: string | Buffer, status = 200): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type(CONTENT_TYPES[format]).send(body);
}

/** JSON for `f=json` (and `f=jsonp`, whose refusal a script reads best as JSON); XML otherwise. */
function formatOf(request: FastifyRequest): Format {
  return formatIn(new Params(request.query as RawParams, typeof request.body === 'object' ? (request.body as RawParams) : undefined));
}

function formatIn(params: Params): Format {
  const f = params.has('f') ? params.string('f') : undefined;
  return f === 'json' || f === 'jsonp' ? 'json' : 'xml';
}

/** The spec's errors 20 and 30 for a client's `v` outside 1.x up to 1.16; 10 without one. */
function checkVersion(v: string | undefined): void {
  if (v === undefined || v === '') throw missing('v');
  const match = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?$/.exec(v);
  if (!match) throw new SubsonicError(0, `v is not a protocol version: ${JSON.stringify(v.slice(0, 20))}`);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major < MAJOR) throw new SubsonicError(20, `protocol version ${v} is too old: the client must upgrade (Chorus speaks 1.16.1)`);
  if (major > MAJOR || minor > MINOR) throw new SubsonicError(30, `protocol version ${v} is newer than 1.16.1: the server must upgrade`);
}

function formFields(body: string): RawParams {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const previous = fields[name];
    fields[name] = previous === undefined ? value : [previous, value].flat();
  }
  return fields;
}
