/**
 * Password hashing with argon2id (@node-rs/argon2, on libuv's thread pool, so a login never
 * blocks the event loop). Every hash is a PHC string that records its own parameters, so hashes
 * made with older parameters still verify and are replaced at the next sign-in.
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { reject } from '../../domain/shared/errors.js';

export interface Argon2Parameters {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over the memory. */
  timeCost: number;
  parallelism: number;
}

/**
 * 64 MiB, 3 passes, 1 lane: a sign-in takes about 100-150 ms on a loaded 2-core machine (see the
 * README, `npm run bench -- login`), inside the 50-200 ms we aim at. Above OWASP's minimum for
 * argon2id (19 MiB, 2 passes).
 */
export const DEFAULT_ARGON2: Argon2Parameters = { memoryCost: 65_536, timeCost: 3, parallelism: 1 };

/** `Algorithm.Argon2id` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2 as Algorithm;

export const MIN_PASSWORD_LENGTH = 8;
/** Longer passwords are refused: hashing is bounded, and no one types more. */
export const MAX_PASSWORD_LENGTH = 1_024;

/** The password rules every password (and app password) passes: length, no NUL or other control characters. */
export function checkPassword(password: unknown, what = 'password'): string {
  if (typeof password !== 'string') return reject('VALIDATION_FAILED', `${what} must be text`);
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) reject('VALIDATION_FAILED', `${what} must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) reject('VALIDATION_FAILED', `${what} must be at most ${MAX_PASSWORD_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) reject('VALIDATION_FAILED', `${what} must not contain control characters`);
  return password;
}

export class PasswordHasher {
  /** A hash of nothing anyone knows, verified against when the account does not exist (same time as a real check). */
  private dummy: Promise<string> | undefined;

  constructor(readonly parameters: Argon2Parameters = DEFAULT_ARGON2) {}

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, ...this.parameters });
  }

  /** False for a wrong password or a hash that cannot be read. */
  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time a real check would, for an account that does not exist. */
  async verifyNobody(password: string): Promise<false> {
    this.dummy ??= this.hash(`no account ${Math.floor(performance.now())}`);
    await this.verify(await this.dummy, password);
    return false;
  }

  /** True when `passwordHash` was made with other parameters (or another algorithm) than ours. */
  needsRehash(passwordHash: string): boolean {
    const found = parametersOf(passwordHash);
    if (!found) return true;
    const wanted = this.parameters;
    return found.memoryCost !== wanted.memoryCost || found.timeCost !== wanted.timeCost || found.parallelism !== wanted.parallelism;
  }
}

/** The parameters recorded in a PHC argon2id string, or undefined if it is not one. */
export function parametersOf(passwordHash: string): Argon2Parameters | undefined {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!match) return undefined;
  return { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}
