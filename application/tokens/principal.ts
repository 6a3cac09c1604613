/** Who is calling, as a verified token says. */
export interface Principal {
  userId: string;
  displayName?: string;
  /** Which trusted issuer signed the token: this server's accounts, its dev tokens, or an identity provider. */
  source?: TokenSource;
}

export type TokenSource = 'local' | 'dev' | 'external';

/** A token that does not prove anything: missing, malformed, expired, from an issuer we do not trust. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code = 'UNAUTHENTICATED';
}
