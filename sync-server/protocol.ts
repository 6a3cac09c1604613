/**
 * The y-websocket wire protocol, as the stock client speaks it (see PROTOCOL.md): one message per
 * frame, a varuint message type, then its payload. Symmetric write/read functions, encoder first.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export const SYNC_STEP_1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP_2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;

/** The structs of a decoded update (decoded once, when the frame is read: the room reads their ids and tracks). */
export type DecodedStructs = ReturnType<typeof Y.decodeUpdate>['structs'];

export type Message =
  | { type: 'sync-step-1'; stateVector: Uint8Array }
  | { type: 'sync-step-2'; update: Uint8Array; structs: DecodedStructs }
  | { type: 'update'; update: Uint8Array; structs: DecodedStructs }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' };

/** A frame that is not a well-formed message: the connection is closed. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export function writeSyncStep1(encoder: encoding.Encoder, doc: Y.Doc): void {
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
}

export function writeSyncStep2(encoder: encoding.Encoder, doc: Y.Doc, stateVector: Uint8Array): void {
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(encoder, doc, stateVector);
}

export function writeUpdate(encoder: encoding.Encoder, update: Uint8Array): void {
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
}

export function writeAwareness(encoder: encoding.Encoder, update: Uint8Array): void {
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
}

/** Builds one message. */
export function message(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/**
 * Reads one message. Throws ProtocolError on an unknown type, a truncated varint or payload,
 * trailing bytes, or a Yjs update or awareness update that does not decode.
 */
export function readMessage(frame: Uint8Array): Message {
  const decoder = decoding.createDecoder(frame);
  let result: Message;
  try {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC: {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (step === SYNC_STEP_1) {
          Y.decodeStateVector(payload);
          result = { type: 'sync-step-1', stateVector: payload };
        } else if (step === SYNC_STEP_2 || step === SYNC_UPDATE) {
          const { structs } = Y.decodeUpdate(payload);
          result = { type: step === SYNC_STEP_2 ? 'sync-step-2' : 'update', update: payload, structs };
        } else {
          throw new ProtocolError(`unknown sync message ${step}`);
        }
        break;
      }
      case MESSAGE_AWARENESS: {
        const payload = decoding.readVarUint8Array(decoder);
        checkAwarenessUpdate(payload);
        result = { type: 'awareness', update: payload };
        break;
      }
      case MESSAGE_QUERY_AWARENESS:
        result = { type: 'query-awareness' };
        break;
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`malformed message: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes after the message');
  return result;
}

/** An awareness update: a count, then (client id, clock, JSON state) entries. */
function checkAwarenessUpdate(update: Uint8Array): void {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i += 1) {
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    JSON.parse(decoding.readVarString(decoder));
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes in the awareness update');
}

