/**
 * Dev tokens (`POST /v1/auth/dev-token`): a token for any user, for development and the embedded
 * demo. Their key is an Ed25519 key derived from the dev secret (CHORUS_DEV_TOKEN_SECRET, or one
 * kept in the data folder), so every node sharing the secret signs and verifies the same tokens,
 * and they are verified as a one-key JWK set, by the same path as every other token.
 */
import { SignJWT, createLocalJWKSet, exportJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { AUDIENCE } from './signing-keys.js';

export const DEV_ISSUER = 'chorus-dev';
const ALG = 'EdDSA';
const TTL = '30d';
/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 private key of the dev tokens of `secret`. */
export function devTokenKey(secret: Uint8Array): KeyObject {
  const seed = Buffer.from(hkdfSync('sha256', secret, 'chorus', 'dev-token-signing-key', 32));
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export class DevTokens {
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Promise<JWK>;
  readonly keySet: JWTVerifyGetKey;

  constructor(secret: Uint8Array) {
    this.privateKey = devTokenKey(secret);
    this.publicJwk = exportJWK(createPublicKey(this.privateKey)).then((jwk) => ({ ...jwk, kid: 'dev', alg: ALG, use: 'sig' }));
    let set: JWTVerifyGetKey | undefined;
    this.keySet = async (header, token) => {
      set ??= createLocalJWKSet({ keys: [await this.publicJwk] });
      return set(header, token);
    };
  }

  issue(principal: { userId: string; displayName: string }): Promise<string> {
    return new SignJWT({ name: principal.displayName })
      .setProtectedHeader({ alg: ALG, kid: 'dev', typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuer(DEV_ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(TTL)
      .sign(this.privateKey);
  }
}
