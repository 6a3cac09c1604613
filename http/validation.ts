/**
 * Schema validation at the edge. Query strings and path parameters arrive as text and are coerced
 * to the schema's types; JSON bodies are not: `"60000"` is not a number, `1` is not a boolean.
 * Unknown fields are rejected everywhere, never dropped.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

// ajv-formats is CommonJS: its function is the default export's default.
const addFormats = formats.default;

function build(coerce: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}

const strict = build(false);
const coercing = build(true);

export function compileValidator({ schema, httpPart }: { schema: object; httpPart?: string }): ValidateFunction {
  return (httpPart === 'body' ? strict : coercing).compile(schema);
}
