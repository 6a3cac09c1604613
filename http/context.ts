/** What the routes are given: the ports, the read side, and the request helpers they share. */
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CommandMetadata } from '../application/handle-command.js';
import type { Projections } from '../projections/manager.js';
import type { EventStore, Position } from '../gateways/event-store/port.js';
import type { Cache } from '../gateways/cache/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { PlaylistDocumentEditor } from '../application/playlist-documents/editor.js';
import type { AccountDeps } from '../application/accounts/context.js';
import type { PlayerService } from '../application/player/player.js';
import type { RecommendationService } from '../application/recommendations/service.js';
import type { MediaKeyRing } from '../application/streaming/signing.js';
import type { MediaStore } from '../gateways/media/port.js';
import type { Authenticator, Principal } from './auth.js';
import { HttpError } from './errors.js';

export type Api = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiDeps {
  store: EventStore;
  sql: SqlClient;
  cache: Cache;
  projections: Projections;
  auth: Authenticator;
  /** Local accounts (sign-up, sign-in, admin); none: those routes answer 503. */
  accounts?: AccountDeps;
  /** Dev tokens: issued while enabled() says so. */
  devTokens?: { issue(principal: { userId: string; displayName: string }): Promise<string>; enabled(): Promise<boolean> };
  /** The live collaborative documents (playlist items, name, description); none: item edits answer 503. */
  documents?: PlaylistDocumentEditor;
  /** The cross-device player (shared with the player socket); none: one of the routes' own, without sockets. */
  player?: PlayerService;
  /** Recommendations and the listening model (none: those routes answer 503). */
  recommendations?: RecommendationService;
  logger: Logger;
  now: () => Date;
  /** Writes per user per minute before 429 (default 600). */
  writesPerMinute?: number;
  /** Playlists a user may own before 403 PLAYLIST_LIMIT_REACHED (default 1,000). */
  maxPlaylistsPerUser?: number;
  /** How long `?after=` waits for the read models (default 2 s). */
  afterTimeoutMs?: number;
  /** The media store and the keys of media URLs; none: streaming and covers answer 503 MEDIA_UNAVAILABLE. */
  streaming?: StreamingDeps;
}

export interface StreamingDeps {
  media: MediaStore;
  keys: MediaKeyRing;
  /** How long a signed media URL is valid. */
  urlTtlSeconds: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** The caller, known on every authenticated route. */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpError('UNAUTHENTICATED', 'authentication required');
  return request.principal;
}

/** Event metadata of a command sent on behalf of this request. */
export function commandMetadata(request: FastifyRequest): CommandMetadata & { actorId: string } {
  return { actorId: principal(request).userId, correlationId: request.id };
}

/** Marks a write route (`{ config: WRITE }`): counted by the per-user write limit. */
export const WRITE = { write: true } as const;

/**
 * Marks a route that answers without a token (`{ config: PUBLIC }`, or `{ ...WRITE, ...PUBLIC }`).
 * Every other route requires one: authentication is decided by the route a request matched, never
 * by its raw URL.
 */
export const PUBLIC = { public: true } as const;

/** The options a route may carry in its `config`. */
export interface RouteFlags {
  write?: boolean;
  public?: boolean;
}

/** Header that carries a command's position when the answer has no body (204). */
export const POSITION_HEADER = 'chorus-position';

export function noContent(reply: FastifyReply, position: Position | undefined): FastifyReply {
  if (position) void reply.header(POSITION_HEADER, position);
  return reply.code(204).send();
}

/** Read-your-writes: wait (bounded) until the read models `names` have passed `after`. */
export async function awaitAfter(deps: ApiDeps, after: string | undefined, names: readonly string[]): Promise<void> {
  if (after === undefined) return;
  try {
    deps.store.comparePositions(after, after);
  } catch {
    throw new HttpError('INVALID_POSITION', `after=${JSON.stringify(after)} is not a position Chorus returned`);
  }
  await deps.projections.waitFor(names, after, deps.afterTimeoutMs ?? 2_000);
}
