/** Small input checks shared by the deciders (the HTTP edge validates too; the domain never trusts it). */
import { reject } from './errors.js';

export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 1_000;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

export function checkId(value: string, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    reject('VALIDATION_FAILED', `${what} ${JSON.stringify(value)} must be 1-128 letters, digits or ._:@- (not starting with a symbol)`);
  }
  return value;
}

export function checkName(value: string, what: string, max = MAX_NAME_LENGTH): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed.length === 0) reject('VALIDATION_FAILED', `${what} must not be empty`);
  if (trimmed.length > max) reject('VALIDATION_FAILED', `${what} must be at most ${max} characters`);
  return trimmed;
}

export function checkText(value: string, what: string, max: number): string {
  if (typeof value !== 'string') reject('VALIDATION_FAILED', `${what} must be text`);
  if (value.length > max) reject('VALIDATION_FAILED', `${what} must be at most ${max} characters`);
  return value;
}

export function checkTime(value: string, what: string): string {
  const ms = Date.parse(value);
  if (typeof value !== 'string' || Number.isNaN(ms)) reject('VALIDATION_FAILED', `${what} ${JSON.stringify(value)} is not a time`);
  return new Date(ms).toISOString();
}

export function checkGenres(genres: readonly string[] | undefined): string[] {
  if (genres === undefined) return [];
  if (!Array.isArray(genres) || genres.length > 20) reject('VALIDATION_FAILED', 'genres must be a list of at most 20');
  const out = [...new Set(genres.map((g) => checkName(g, 'genre', 50).toLowerCase()))];
  return out;
}
