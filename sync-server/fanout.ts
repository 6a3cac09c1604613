/**
 * The node-to-node fan-out frame (PROTOCOL.md, "Fan-out between nodes"): an update one node
 * stored, published on pub/sub for the other nodes that hold the same document. lib0 encoding:
 *
 *   varString  nodeId   the sending node (a node skips its own frames)
 *   float64    sentAt   ms since 1970 on the sending node (fan-out latency)
 *   varUint8Array update  the Yjs update
 *
 * The channel name carries the format's version (FANOUT_CHANNEL): nodes of another version do not
 * read these frames, and still get the updates through the stored events.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** Channel prefix; the playlist id follows it. */
export const FANOUT_CHANNEL = 'chorus:sync3:';

export interface FanoutFrame {
  nodeId: string;
  sentAt: number;
  update: Uint8Array;
}

export function writeFanout(encoder: encoding.Encoder, frame: FanoutFrame): void {
  encoding.writeVarString(encoder, frame.nodeId);
  encoding.writeFloat64(encoder, frame.sentAt);
  encoding.writeVarUint8Array(encoder, frame.update);
}

/** Reads one frame; throws on a truncated frame or trailing bytes. */
export function readFanout(decoder: decoding.Decoder): FanoutFrame {
  const nodeId = decoding.readVarString(decoder);
  const sentAt = decoding.readFloat64(decoder);
  const update = decoding.readVarUint8Array(decoder);
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after the fan-out frame');
  return { nodeId, sentAt, update };
}

/** One frame as bytes. */
export function encodeFanout(frame: FanoutFrame): Uint8Array {
  const encoder = encoding.createEncoder();
  writeFanout(encoder, frame);
  return encoding.toUint8Array(encoder);
}

/** The frame in `bytes`, or undefined when they are not one (a frame of another version, garbage). */
export function decodeFanout(bytes: Uint8Array): FanoutFrame | undefined {
  try {
    return readFanout(decoding.createDecoder(bytes));
  } catch {
    return undefined;
  }
}
