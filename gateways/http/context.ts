/** What the routes are given: the ports, the read side, and the request helpers they share. */
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CommandMetadata } from '../../app/handle-command.js';
import type { Projections } from '../../projections/manager.js';
import type { EventStore, Position } from '../event-store/port.js';
import type { Cache } from '../redis/port.js';
import type { SqlClient } from '../sql/port.js';
import type { SyncServer } from '../../sync-server/server.js';
import type { Authenticator, Principal } from './auth.js';
import { HttpError } from './errors.js';

export type Api = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiDeps {
  store: EventStore;
  sql: SqlClient;
  cache: Cache;
  projections: Projections;
  auth: Authenticator;
  /** The collaborative documents (playlist items). */
  sync?: SyncServer;
  logger: Logger;
  now: () => Date;
  /** Writes per user per minute before 429 (default 600). */
  writesPerMinute?: number;
  /** How long `?after=` waits for the read models (default 2 s). */
  afterTimeoutMs?: number;
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
export function commandMetadata(request: FastifyRequest): CommandMetadata {
  return { actorId: principal(request).userId, correlationId: request.id };
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
