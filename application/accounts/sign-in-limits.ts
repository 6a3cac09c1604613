/**
 * Sign-in attempts are limited per account (failures) and per address (every attempt), in fixed
 * windows counted in the cache: Redis when there is one, so every node shares the counts; in
 * process otherwise. The account's count is kept whether or not the account exists, so the limit
 * says nothing about which names are real.
 */
import { createHash } from 'node:crypto';
import type { Cache } from '../../gateways/cache/port.js';
import { AccountError } from './errors.js';

export interface SignInLimitSettings {
  /** Failed sign-ins of one account per window (default 10). */
  failuresPerAccount: number;
  /** Sign-in attempts from one address per window (default 30). */
  attemptsPerAddress: number;
  windowSeconds: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimitSettings = { failuresPerAccount: 10, attemptsPerAddress: 30, windowSeconds: 900 };

/** Keys name a digest, not the username or address itself. */
const key = (kind: string, value: string) => `chorus:signin:${kind}:${createHash('sha256').update(value).digest('base64url').slice(0, 22)}`;

export class SignInLimits {
  constructor(
    private readonly cache: Cache,
    private readonly settings: SignInLimitSettings = DEFAULT_SIGN_IN_LIMITS,
  ) {}

  /** Counts an attempt from `address` and refuses it if the address or the account is over its limit. */
  async admit(username: string, address: string): Promise<void> {
    const { windowSeconds } = this.settings;
    const byAddress = await this.cache.hit(key('addr', address), windowSeconds);
    if (byAddress.count > this.settings.attemptsPerAddress) throw limited(byAddress.resetInSeconds);
    const byAccount = await this.cache.hit(key('user', username.toLowerCase()), windowSeconds, 0);
    if (byAccount.count >= this.settings.failuresPerAccount) throw limited(byAccount.resetInSeconds);
  }

  async failed(username: string): Promise<void> {
    await this.cache.hit(key('user', username.toLowerCase()), this.settings.windowSeconds);
  }

  /**
   * For sign-ins that come with every request (a Subsonic app signs each call): refuses one when
   * the address or the account is over its limit, counting nothing; `failedFrom` counts a failure
   * against both. An app that signs in right makes any number of calls.
   */
  async check(username: string, address: string): Promise<void> {
    // One read of both counts (a missing key is a window with nothing counted yet); the window's
    // reset time is asked for only when the answer is a refusal.
    const keys = [key('addr', address), key('user', username.toLowerCase())] as const;
    const [byAddress, byAccount] = await this.cache.mget(keys);
    if (Number(byAddress ?? 0) >= this.settings.attemptsPerAddress) throw limited(await this.resetIn(keys[0]));
    if (Number(byAccount ?? 0) >= this.settings.failuresPerAccount) throw limited(await this.resetIn(keys[1]));
  }

  private async resetIn(windowKey: string): Promise<number> {
    return (await this.cache.hit(windowKey, this.settings.windowSeconds, 0)).resetInSeconds;
  }

  async failedFrom(username: string, address: string): Promise<void> {
    await this.cache.hit(key('addr', address), this.settings.windowSeconds);
    await this.failed(username);
  }
}

function limited(seconds: number): AccountError {
  return new AccountError('SIGN_IN_RATE_LIMITED', `too many sign-in attempts; try again in ${seconds} s`, seconds);
}
