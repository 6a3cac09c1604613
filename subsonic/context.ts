/** What the Subsonic methods are given: the ports and read side (as the HTTP edge), and the request. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AccountDeps } from '../application/accounts/context.js';
import type { PlaylistDocumentEditor } from '../application/playlist-documents/editor.js';
import type { MediaKeyRing } from '../application/streaming/signing.js';
import type { Cache } from '../gateways/cache/port.js';
import type { EventStore } from '../gateways/event-store/port.js';
import type { MediaStore } from '../gateways/media/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Projections } from '../projections/manager.js';
import type { Serialized } from './answers.js';
import type { Format, Payload } from './envelope.js';
import type { NowPlaying } from './now-playing.js';
import type { Params } from './params.js';

export interface SubsonicDeps {
  store: EventStore;
  sql: SqlClient;
  cache: Cache;
  projections: Projections;
  accounts: AccountDeps;
  /** The live collaborative documents; none: playlist item edits answer error 0. */
  documents?: PlaylistDocumentEditor;
  /** The media store and the keys of stream offers; none: stream, download and getCoverArt answer error 0. */
  streaming?: StreamingDeps;
  logger: Logger;
  now: () => Date;
  /** Chorus's version (`serverVersion`). */
  serverVersion: string;
  /** Playlists a user may own (default 1,000). */
  maxPlaylistsPerUser?: number;
  /** How long a write waits for the read models to show it before answering (default 2 s). */
  readYourWritesMs?: number;
}

export interface StreamingDeps {
  media: MediaStore;
  keys: MediaKeyRing;
  /** How long a stream offer's grant is valid (the offer is used at once here). */
  urlTtlSeconds: number;
}

export interface MethodContext {
  deps: SubsonicDeps;
  params: Params;
  /** The signed-in user ('' for the methods that need none). */
  userId: string;
  /** The app's name (`c`), the device a play queue or a play is recorded for. */
  client: string;
  /** The format of the answer (`f`). */
  format: Format;
  nowPlaying: NowPlaying;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** A method answered the request itself (audio, an image). */
export const SENT = Symbol('sent');
/** A payload to put in the envelope, an answer already serialized (answers.ts), or SENT. */
export type MethodResult = Payload | Serialized | typeof SENT;

export interface Method {
  /** Answers without a signed-in user (getOpenSubsonicExtensions, as the spec asks). */
  public?: boolean;
  run(context: MethodContext): Promise<MethodResult>;
}

/**
 * One value per SubsonicDeps (per server): the answer caches of the methods. Several servers may
 * run in one process (the tests), each with its own read models.
 */
export function perDeps<T>(make: (deps: SubsonicDeps) => T): (deps: SubsonicDeps) => T {
  const made = new WeakMap<SubsonicDeps, T>();
  return (deps) => {
    let value = made.get(deps);
    if (value === undefined) made.set(deps, (value = make(deps)));
    return value;
  };
}

/** Waits (bounded) until the read models `names` show a write at `position`. */
export async function readYourWrite(deps: SubsonicDeps, names: readonly string[], position: string | undefined): Promise<void> {
  if (position === undefined) return;
  await deps.projections.waitFor(names, position, deps.readYourWritesMs ?? 2_000).catch(() => undefined);
}
