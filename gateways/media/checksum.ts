/** sha256 of files and bytes, as `sha256:<hex>` (the form the catalog events record). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function fileChecksum(path: string): Promise<{ checksum: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { checksum: `sha256:${hash.digest('hex')}`, bytes };
}

export const bytesChecksum = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
