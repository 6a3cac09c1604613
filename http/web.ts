/**
 * The browser client (web/, built into web/dist): `/` and every screen's path answer with the
 * client's page, so links and reloads work; /assets/* are the hashed build files, cached for a
 * year (a new build has new names). Text assets go out precompressed (.br/.gz from the build)
 * to browsers that accept them.
 *
 * The page carries a strict Content-Security-Policy: scripts, styles, images and media from this
 * origin only (plus blob: media for the HLS player), no inline script or style, no other origin,
 * connections to this origin's HTTP and WebSocket only, no framing.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC } from './context.js';

export interface WebOptions {
  /** The build folder (web/dist). */
  root: string;
}

/** The client's screens (web/src/screens.ts): paths answered with the page. */
export const SCREENS = ['search', 'playlists', 'charts', 'friends', 'browse', 'signin'] as const;
export const SCREENS_WITH_ID = ['album', 'artist', 'playlist', 'user', 'genre'] as const;

const YEAR = 365 * 24 * 3600;

/** The policy of the page; WebSockets are allowed to the host the page came from. */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export async function webPlugin(app: FastifyInstance, options: WebOptions): Promise<void> {
  // The page and its files are public: every route of this plugin is marked so as it is added.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), ...PUBLIC } as typeof route.config;
  });
  await app.register(fastifyStatic, {
    root: options.root,
    prefix: '/',
    // One route per file of the build (found at start), nothing else under /.
    wildcard: false,
    index: false,
    globIgnore: ['build.json', '**/*.gz', '**/*.br', 'index.html'],
    preCompressed: true,
    cacheControl: false,
    setHeaders(res, path) {
      const hashed = /[\\/]assets[\\/]/.test(path);
      const page = /index\.html(\.br|\.gz)?$/.test(path);
      res.setHeader('cache-control', hashed ? `public, max-age=${YEAR}, immutable` : page ? 'no-cache' : 'public, max-age=3600');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('vary', 'accept-encoding');
    },
  });

  const page = (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('content-security-policy', contentSecurityPolicy(request.headers.host))
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin')
      .sendFile('index.html');

  // Pages, not API routes: kept out of the OpenAPI document, like the build's files.
  const hidden = { schema: { hide: true } };
  app.get('/', hidden, page);
  for (const screen of SCREENS) app.get(`/${screen}`, hidden, page);
  for (const screen of SCREENS_WITH_ID) app.get(`/${screen}/:id`, hidden, page);
}
