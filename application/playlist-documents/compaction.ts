/**
 * The state of a PlaylistCompacted: a Yjs update, deflated, base64, cut into parts that each fit
 * in one event (an event is at most 1 MiB); the parts are appended in one batch, so a compaction
 * is stored whole or not at all.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const PART_CHARS = 700 * 1024;

/** How the parts are packed (recorded in each PlaylistCompacted). */
export const COMPACTION_ENCODING = 'yjs-update-v1+deflate';

export function encodeCompaction(state: Uint8Array): string[] {
  const text = deflateRawSync(state).toString('base64');
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += PART_CHARS) parts.push(text.slice(i, i + PART_CHARS));
  return parts.length > 0 ? parts : [''];
}

export function decodeCompaction(parts: readonly string[]): Uint8Array {
  return new Uint8Array(inflateRawSync(Buffer.from(parts.join(''), 'base64')));
}
