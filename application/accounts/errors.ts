/** What the account use cases refuse, with stable codes (the HTTP edge maps them to statuses). */
export type AccountErrorCode =
  | 'SIGNUP_CLOSED'
  | 'USERNAME_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_REFRESH_TOKEN'
  | 'SIGN_IN_RATE_LIMITED'
  | 'NO_LOCAL_ACCOUNT'
  | 'WRONG_PASSWORD'
  | 'SUBSONIC_PASSWORD_IS_PASSWORD'
  | 'ADMIN_ONLY'
  | 'CANNOT_CHANGE_OWN_ROLE'
  | 'API_KEY_NOT_FOUND'
  | 'TOO_MANY_API_KEYS';

export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code: AccountErrorCode,
    message: string,
    /** Seconds to wait before trying again (rate limits). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
