/**
 * AES-256-GCM under a server key, for what must be read back in plain text: a Subsonic app
 * password (Subsonic's token auth sends md5(password + salt), so the server needs the password
 * itself). Each sealed value names its key (the first 8 bytes of the key's SHA-256, hex), so keys
 * can be rotated: new values use the first key, old ones open with whichever key they name. The
 * user id is the associated data: a sealed value copied to another user does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SealedSecret } from '../../gateways/credentials/port.js';

export interface ServerKey {
  id: string;
  key: Buffer;
}

/** A server key from 32 random bytes. */
export function serverKey(key: Buffer): ServerKey {
  if (key.length !== 32) throw new Error('a server key is 32 bytes');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

export class SecretBox {
  private readonly byId: Map<string, ServerKey>;

  /** `keys[0]` seals; every key opens. */
  constructor(private readonly keys: readonly ServerKey[]) {
    if (keys.length === 0) throw new Error('SecretBox needs a key');
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  seal(plain: string, context: string): SealedSecret {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { keyId: id, sealed: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url') };
  }

  /** The plain text, or undefined if the key is unknown or the value was tampered with. */
  open(secret: SealedSecret, context: string): string | undefined {
    const key = this.byId.get(secret.keyId);
    if (!key) return undefined;
    const raw = Buffer.from(secret.sealed, 'base64url');
    if (raw.length < 12 + 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
