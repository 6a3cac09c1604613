/**
 * Text Chorus refuses wherever it comes from (an HTTP body, a query, a path, the values and keys of
 * a Yjs update, an awareness state): NUL, which PostgreSQL's text cannot hold, and lone UTF-16
 * surrogates, which are not Unicode (no UTF-8 encodes them; a store or a client would mangle or
 * refuse them). The edges check once, on arrival, with these functions, so what is refused is
 * refused the same way for HTTP and WebSocket alike, before anything is applied or stored.
 */

const NUL = '\u0000';
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be taken, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes(NUL)) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not Unicode text)';
  return undefined;
}

export interface UnsafeText {
  /** Where: `body.name`, `query.q`, `body.trackIds[2]`, or a key (`body["a\u0000"]`). */
  path: string;
  problem: string;
}

/** The first string (value or key) in `value` that cannot be taken, searched depth first. */
export function findUnsafeText(value: unknown, path: string, depth = 0): UnsafeText | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, problem } : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findUnsafeText(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = textProblem(key);
    if (keyProblem) return { path: `${path}[${JSON.stringify(key)}]`, problem: `has a key that ${keyProblem}` };
    const found = findUnsafeText(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
