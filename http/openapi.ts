/**
 * The API described as OpenAPI 3.1, generated from the route schemas (@fastify/swagger):
 * `GET /openapi.json`, and a reference page to read it at `/docs` (@fastify/swagger-ui). Both are
 * public. The page is served from the package's own files (no CDN), with no inline script or
 * style, so it works under a strict Content-Security-Policy (`script-src 'self'; style-src 'self'`).
 *
 * Register it before the routes: it sees each route as it is added. Every route is in the
 * document with its responses, errors included (`ErrorBody`, a component); routes outside /v1 and
 * those that take no token say so (`security: []`); each operation is tagged by its area.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import { readFileSync } from 'node:fs';
import { PUBLIC, type Api, type RouteFlags } from './context.js';
import { ErrorBody, responses } from './schemas.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const DESCRIPTION = `The HTTP API of Chorus, a self-hostable music service.

Send \`Authorization: Bearer <token>\` on every /v1 route but the dev-token one. Errors answer
\`{"error": {"code", "message"}}\` with a stable code (see the README's error table). Commands answer
with the \`position\` of their last event (or a \`chorus-position\` header on 204); pass it back as
\`?after=\` on a query to read your own write.

Collaborative playlists are edited live over WebSockets (\`/v1/sync/playlists/{playlistId}\`,
the y-websocket protocol), which OpenAPI does not describe: see the README.`;

/**
 * The reference page's policy: its own files only. (The plugin's default also allows fonts and
 * styles from any https origin and the online validator; the page needs none of them.)
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join('; ');

/** An operation's area, for grouping: `/v1/playlists/...` -> playlists, `/v1/me/plays` -> plays. */
export function areaOf(url: string): string {
  const [first, second, third] = url.split('/').filter((segment) => segment !== '');
  if (first !== 'v1' || second === undefined) return 'operations';
  if (second === 'me' && third !== undefined) return third;
  return second;
}

/** A route the app serves, as registered (one per method). */
export interface ServedRoute {
  method: string;
  url: string;
  /** False for routes kept out of the document (the reference page's own files). */
  documented: boolean;
}

const served = new WeakMap<object, ServedRoute[]>();

/** Every route `app` serves, in the order they were added (HEAD routes included). */
export function servedRoutes(app: Api): readonly ServedRoute[] {
  return served.get(app) ?? [];
}

/**
 * Registers the document and its page. Routes whose `config` says PUBLIC take no token and are
 * documented so (`security: []`); so are the page's own files and the document itself, which this
 * marks public as they are added.
 */
export async function registerOpenApi(app: Api): Promise<void> {
  const routes: ServedRoute[] = [];
  served.set(app, routes);
  const open = new Set<string>();
  app.addHook('onRoute', (route) => {
    const documented = (route.schema as { hide?: boolean } | undefined)?.hide !== true;
    if ((route.config as RouteFlags | undefined)?.public) open.add(route.url);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, documented });
  });
  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Chorus API', version, description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    // Shared schemas keep their $id as their component name (`#/components/schemas/ErrorBody`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    // const is OpenAPI 3.1 (JSON Schema); no need to fall back to one-value enums.
    convertConstToEnum: false,
    transform: ({ schema, url }) => {
      const described = { ...schema } as Record<string, unknown>;
      described.tags ??= [areaOf(url)];
      if (open.has(url)) described.security = [];
      return { schema: described, url };
    },
  });
  // The page's files are public: its routes are marked so as the plugin adds them.
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), ...PUBLIC } as typeof route.config;
    });
    await scope.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      staticCSP: true,
      transformStaticCSP: () => DOCS_CSP,
      // BaseLayout: no top bar (its logo carries an inline <style>, which the policy refuses).
      uiConfig: { layout: 'BaseLayout', deepLinking: true, defaultModelsExpandDepth: 0, tryItOutEnabled: false },
      theme: { title: 'Chorus API' },
    });
  });
  const Document = Type.Object({ openapi: Type.String() }, { additionalProperties: true, description: 'this document' });
  app.get(OPENAPI_PATH, { config: PUBLIC, schema: { response: responses({ 200: Document }) } }, async () => app.swagger() as { openapi: string });
}
