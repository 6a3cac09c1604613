/**
 * A request's parameters: the query string and, for POST, the form body (the `formPost`
 * extension), merged. Subsonic repeats a parameter for lists (`id=1&id=2`). Every value is checked
 * here, once: a missing required one is error 10, a malformed one error 0.
 */
import { SubsonicError, missing } from './errors.js';

export type RawParams = Record<string, string | string[] | undefined>;

/** The longest value taken (ids, names, queries); anything longer is refused. */
const MAX_VALUE_LENGTH = 1_000;
/** The most values of one repeated parameter (songs added to a playlist at once). */
const MAX_VALUES = 1_000;

export class Params {
  private readonly values = new Map<string, string[]>();

  constructor(...sources: Array<RawParams | undefined | null>) {
    for (const source of sources) {
      if (!source || typeof source !== 'object') continue;
      for (const name in source) {
        if (!Object.hasOwn(source, name)) continue;
        const value = source[name];
        if (value === undefined) continue;
        const known = this.values.get(name);
        const list = Array.isArray(value) ? value.map(String) : [String(value)];
        this.values.set(name, known ? [...known, ...list] : list);
      }
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The first value of `name`, or undefined. */
  string(name: string): string | undefined {
    const value = this.values.get(name)?.[0];
    if (value !== undefined && value.length > MAX_VALUE_LENGTH) throw new SubsonicError(0, `parameter ${name} is over ${MAX_VALUE_LENGTH} characters`);
    return value;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw missing(name);
    return value;
  }

  /** Every value of a repeated parameter (empty values dropped). */
  list(name: string): string[] {
    const values = (this.values.get(name) ?? []).filter((v) => v !== '');
    if (values.length > MAX_VALUES) throw new SubsonicError(0, `at most ${MAX_VALUES} values of ${name}`);
    for (const value of values) if (value.length > MAX_VALUE_LENGTH) throw new SubsonicError(0, `parameter ${name} is over ${MAX_VALUE_LENGTH} characters`);
    return values;
  }

  /** An integer within [min, max]; `fallback` when absent. */
  int(name: string, options: { min: number; max: number; fallback: number }): number;
  int(name: string, options: { min: number; max: number }): number | undefined;
  int(name: string, options: { min: number; max: number; fallback?: number }): number | undefined {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return options.fallback;
    if (!/^-?\d{1,16}$/.test(raw)) throw new SubsonicError(0, `parameter ${name} is not an integer: ${JSON.stringify(raw.slice(0, 40))}`);
    const value = Number(raw);
    if (value < options.min || value > options.max) throw new SubsonicError(0, `parameter ${name} must be between ${options.min} and ${options.max}`);
    return value;
  }

  requiredInt(name: string, options: { min: number; max: number }): number {
    const value = this.int(name, options);
    if (value === undefined) throw missing(name);
    return value;
  }

  /** `true`/`false` (also 1/0); `fallback` when absent. */
  bool(name: string, fallback: boolean): boolean;
  bool(name: string): boolean | undefined;
  bool(name: string, fallback?: boolean): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new SubsonicError(0, `parameter ${name} must be true or false`);
  }
}
