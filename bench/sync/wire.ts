/**
 * A lean sync client for the load process: one Y.Doc and one `ws` socket speaking the y-websocket
 * wire protocol with y-protocols directly (sync step 1/2 and updates; no awareness, which no
 * measured client sets). The same code runs against Chorus and against the stock server: it only
 * needs a URL. A y-websocket provider does the same on the wire, plus awareness and reconnects.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export const MESSAGE_SYNC = 0;

/** The origin of updates that came from the server (anything else is a local edit, sent). */
export const REMOTE = Symbol('remote');

export interface WireClient {
  readonly doc: Y.Doc;
  readonly socket: WebSocket;
  /** Resolves when the first sync step 2 from the server is applied. */
  readonly synced: Promise<Timings>;
  /** Bytes of the update frames this client has sent (its own edits). */
  readonly updateBytes: number;
  close(): void;
}

/** performance.now() of the phases of a connection. */
export interface Timings {
  started: number;
  /** The upgrade was answered (the socket is open). */
  opened: number;
  /** The server's sync step 2 (its whole document, for a fresh client) arrived… */
  stepTwoReceived: number;
  /** …and was applied to the client's document. */
  synced: number;
  /** Bytes of that sync step 2 frame. */
  stepTwoBytes: number;
}

/** `url` is the server's base (ws://HOST:PORT/v1/sync/playlists); the room is appended, the token goes in the query. */
export function connectWire(url: string, room: string, token: string, timeoutMs = 30_000): WireClient {
  const doc = new Y.Doc();
  const timings: Timings = { started: performance.now(), opened: Number.NaN, stepTwoReceived: Number.NaN, synced: Number.NaN, stepTwoBytes: 0 };
  const socket = new WebSocket(`${url}/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
  socket.binaryType = 'nodebuffer';
  let settle: { resolve: (t: Timings) => void; reject: (e: Error) => void } | undefined;
  const synced = new Promise<Timings>((resolve, reject) => (settle = { resolve, reject }));
  synced.catch(() => undefined); // the caller may close before it is synced
  const timer = setTimeout(() => fail(new Error(`${room}: not synced within ${timeoutMs} ms`)), timeoutMs);
  const fail = (error: Error) => {
    clearTimeout(timer);
    settle?.reject(error);
    settle = undefined;
  };

  socket.on('open', () => {
    timings.opened = performance.now();
    socket.send(frame((e) => syncProtocol.writeSyncStep1(e, doc)));
  });
  socket.on('message', (data: Buffer) => {
    const received = performance.now();
    const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return; // awareness: nobody sets any
    const reply = encoding.createEncoder();
    encoding.writeVarUint(reply, MESSAGE_SYNC);
    const type = syncProtocol.readSyncMessage(decoder, reply, doc, REMOTE);
    if (encoding.length(reply) > 1) socket.send(encoding.toUint8Array(reply));
    if (type === syncProtocol.messageYjsSyncStep2 && settle) {
      timings.stepTwoReceived = received;
      timings.stepTwoBytes = data.byteLength;
      timings.synced = performance.now();
      clearTimeout(timer);
      settle.resolve(timings);
      settle = undefined;
    }
  });
  socket.on('unexpected-response', (_request, response) => fail(new Error(`${room}: upgrade refused with ${response.statusCode}`)));
  socket.on('error', (error) => fail(error));
  socket.on('close', (code) => fail(new Error(`${room}: closed (${code}) before it was synced`)));
  let updateBytes = 0;
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE || socket.readyState !== socket.OPEN) return;
    const message = frame((e) => syncProtocol.writeUpdate(e, update));
    updateBytes += message.byteLength;
    socket.send(message);
  });

  return {
    doc,
    socket,
    synced,
    get updateBytes() {
      return updateBytes;
    },
    close() {
      clearTimeout(timer);
      socket.terminate();
      doc.destroy();
    },
  };
}

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  write(encoder);
  return encoding.toUint8Array(encoder);
}
