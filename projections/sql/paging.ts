/**
 * What the Postgres read models' queries share: paging inputs clamped to sane bounds (callers
 * pass whatever arrived at the edge), the page shape, and times as ISO-8601 strings. Input that
 * cannot be clamped is rejected with VALIDATION_FAILED, which the HTTP edge answers with 400.
 */
import { reject } from '../../domain/shared/errors.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 50;
/** Deep offsets cost a scan of everything before them; nobody pages this far by hand. */
export const MAX_OFFSET = 10_000;

export interface PageOptions {
  limit?: number;
  offset?: number;
}

export interface Page<Item> {
  items: Item[];
  total: number;
}

/** A whole number in 1..50; anything else (NaN, fractions, strings) becomes a usable value. */
export function clampLimit(limit: unknown, fallback = DEFAULT_LIMIT): number {
  const n = typeof limit === 'number' && Number.isFinite(limit) ? Math.floor(limit) : fallback;
  return Math.min(Math.max(n, 1), MAX_LIMIT);
}

export function clampOffset(offset: unknown): number {
  const n = typeof offset === 'number' && Number.isFinite(offset) ? Math.floor(offset) : 0;
  return Math.min(Math.max(n, 0), MAX_OFFSET);
}

/** Timestamps come back as Date from both drivers; the read models answer ISO-8601 (UTC). */
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A list of ids from a caller: strings only, without duplicates, at most `max` of them. */
export function idList(ids: readonly unknown[], max = 1_000): string[] {
  const out = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0))];
  if (out.length > max) reject('VALIDATION_FAILED', `at most ${max} ids per lookup (got ${out.length})`);
  return out;
}
