/** Small input checks shared by the deciders (the HTTP edge validates too; the domain never trusts it). */
import { reject } from './errors.js';
import { isId } from './ids.js';

export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 1_000;

export function checkId(value: string, what: string): string {
  if (typeof value !== 'string' || !isId(value)) {
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

/** ISO-8601 with a date, a time and an explicit offset: no guessing of time zones. */
const TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function checkTime(value: string, what: string): string {
  const match = typeof value === 'string' ? TIME.exec(value) : null;
  const ms = match ? Date.parse(value) : Number.NaN;
  if (!match || Number.isNaN(ms) || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    reject('VALIDATION_FAILED', `${what} ${JSON.stringify(value)} is not an ISO-8601 time with an offset (e.g. 2026-01-31T12:00:00Z)`);
  }
  return new Date(ms).toISOString();
}

export function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Genres are a set: lower-cased, without duplicates, sorted (so that order never matters). */
export function checkGenres(genres: readonly string[] | undefined): string[] {
  if (genres === undefined) return [];
  if (!Array.isArray(genres)) reject('VALIDATION_FAILED', 'genres must be a list');
  const out = [...new Set(genres.map((g) => checkName(g, 'genre', 50).toLowerCase()))].sort();
  if (out.length > 20) reject('VALIDATION_FAILED', 'at most 20 genres');
  return out;
}

/** JSON with object keys sorted: equal for equal values whatever order their keys were stored in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
