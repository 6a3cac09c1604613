/**
 * Command-line parsing for the analyst CLI: `node:util` parseArgs in strict mode, with its errors
 * turned into one-line usage errors (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes of every `chorus` command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called: reported in one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the user should read as is (no stack trace), exit code 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

type Options = NonNullable<ParseArgsConfig['options']>;

const PARSE_ERRORS = new Set([
  'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
]);

/** Parses `args` for `command` (used in messages); unknown flags and missing values are UsageErrors. */
export function parse<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && PARSE_ERRORS.has(code)) {
      // parseArgs explains at length; its first sentence is what matters.
      const first = (error as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '');
      throw new UsageError(`${command}: ${first} (see chorus ${command} --help)`);
    }
    throw error;
  }
}

/** A whole number within [min, max], from a flag's text. */
export function wholeNumber(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number between ${min} and ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[0])} (see chorus ${command} --help)`);
}
