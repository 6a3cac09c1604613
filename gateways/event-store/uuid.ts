/** UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Sortable by creation time. */
import { randomUUID } from 'node:crypto';

/**
 * The random bits come from `randomUUID` (a version 4 id, whose generator draws from a cached
 * batch of entropy: several times cheaper than `randomBytes(16)` per id): its 74 random bits past
 * the version nibble, with the RFC variant it already carries, follow the time and the version 7.
 */
export function uuidv7(now: number = Date.now()): string {
  const time = Math.floor(now).toString(16).padStart(12, '0').slice(-12);
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}
