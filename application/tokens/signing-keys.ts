/**
 * This server's token signing keys (Ed25519), kept in the credentials store so every node signs
 * and verifies with the same set. The newest key signs; a key older than the rotation period is
 * replaced by a new one at the next signature, and stays in the public set (so the tokens it signed
 * still verify) until no token it signed can be alive, then it is deleted. The public half is a
 * JWK set, served at /.well-known/jwks.json and verified through the same path as any issuer's.
 */
import { SignJWT, createLocalJWKSet, errors as joseErrors, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { randomUUID } from 'node:crypto';
import type { CredentialsStore, StoredSigningKey } from '../../gateways/credentials/port.js';

export const LOCAL_ISSUER = 'chorus';
export const AUDIENCE = 'chorus';
const ALG = 'EdDSA';
/** An unknown key id reloads the set from the store at most this often. */
const RELOAD_MS = 1_000;

export interface SigningKeySettings {
  accessTokenTtlSeconds: number;
  rotationDays: number;
}

export class SigningKeys {
  private keys: StoredSigningKey[] = [];
  private jwks: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  private loadedAt = 0;
  private rotating: Promise<void> | undefined;

  constructor(
    private readonly store: CredentialsStore,
    private readonly settings: SigningKeySettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Loads the keys, making the first one if there is none. */
  async start(): Promise<void> {
    await this.reload();
    await this.rotateIfDue();
  }

  /** The public keys, as a JWK set. */
  publicKeys(): JSONWebKeySet {
    return { keys: this.keys.map((k) => JSON.parse(k.publicJwk) as JWK) };
  }

  /** The key set the verifier checks local tokens against (reloaded when a token names a key it has not seen). */
  readonly keySet: JWTVerifyGetKey = async (header, token) => {
    try {
      return await this.jwks(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - this.loadedAt < RELOAD_MS) throw error;
      await this.reload();
      return this.jwks(header, token);
    }
  };

  /** An access token for `userId`, valid for the configured time. */
  async sign(claims: { userId: string; displayName: string }): Promise<{ token: string; expiresIn: number }> {
    await this.rotateIfDue();
    const current = this.keys[0]!;
    const key = await importJWK(JSON.parse(current.privateJwk) as JWK, ALG);
    const expiresIn = this.settings.accessTokenTtlSeconds;
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT({ name: claims.displayName })
      .setProtectedHeader({ alg: ALG, kid: current.kid, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + expiresIn)
      .setJti(randomUUID())
      .sign(key);
    return { token, expiresIn };
  }

  private async reload(): Promise<void> {
    this.keys = await this.store.signingKeys();
    this.jwks = createLocalJWKSet(this.publicKeys());
    this.loadedAt = Date.now();
  }

  private rotateIfDue(): Promise<void> {
    const newest = this.keys[0];
    const rotationMs = this.settings.rotationDays * 86_400_000;
    if (newest && this.now().getTime() - Date.parse(newest.createdAt) < rotationMs) return Promise.resolve();
    this.rotating ??= this.rotate(rotationMs).finally(() => {
      this.rotating = undefined;
    });
    return this.rotating;
  }

  private async rotate(rotationMs: number): Promise<void> {
    // Another node may have rotated already: look before making a key.
    await this.reload();
    const newest = this.keys[0];
    const now = this.now();
    if (!newest || now.getTime() - Date.parse(newest.createdAt) >= rotationMs) {
      const { publicKey, privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
      const kid = `k-${randomUUID()}`;
      const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
      const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: ALG };
      await this.store.addSigningKey({ kid, alg: ALG, privateJwk: JSON.stringify(privateJwk), publicJwk: JSON.stringify(publicJwk), createdAt: now.toISOString() });
    }
    // A key that stopped signing a rotation ago plus a token's life has no live token left.
    const expired = new Date(now.getTime() - 2 * rotationMs - this.settings.accessTokenTtlSeconds * 1000).toISOString();
    await this.store.deleteSigningKeysCreatedBefore(expired);
    await this.reload();
  }
}
