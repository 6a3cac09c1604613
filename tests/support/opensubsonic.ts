/**
 * The OpenSubsonic API description (tests/fixtures/opensubsonic, unedited) as ajv validators: every
 * JSON file of its `openapi/` folder is added under its own file URL, so the description's relative
 * `$ref`s resolve, and `responseValidator(method)` checks a whole `{"subsonic-response": …}` body
 * against the schema the description gives for that method's 200 answer.
 *
 * And an independent check of the XML answers: parsed by a real XML parser (fast-xml-parser), an
 * XML answer must carry exactly what the JSON answer to the same request carries, by the
 * Subsonic rules (a scalar is an attribute, an object a child element, an array repeated
 * elements, `value` the text).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ajv-formats is CommonJS: its function is the default export's default.
const addFormats = formatsPlugin.default;

export const OPENAPI_DIR = fileURLToPath(new URL('../fixtures/opensubsonic/openapi/', import.meta.url));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}

let ajv: Ajv | undefined;

function compiler(): Ajv {
  if (ajv) return ajv;
  // OpenAPI 3.0 schemas carry keywords JSON Schema does not know (example, externalDocs): not strict.
  ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const path of jsonFiles(OPENAPI_DIR)) {
    if (relative(OPENAPI_DIR, path) === 'openapi.json') continue;
    const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    ajv.addSchema({ ...schema, $id: pathToFileURL(path).href });
  }
  return ajv;
}

interface Operation {
  responses: Record<string, { $ref?: string; content?: { 'application/json'?: { schema: { $ref: string } }; 'application/binary'?: unknown } }>;
}

/** The validator of `method`'s 200 answer (`{"subsonic-response": …}`). */
export function responseValidator(method: string): ValidateFunction {
  const endpoint = join(OPENAPI_DIR, 'endpoints', `${method}.json`);
  const spec = JSON.parse(readFileSync(endpoint, 'utf8')) as { get: Operation };
  let response = spec.get.responses['200']!;
  let base = pathToFileURL(endpoint);
  if (response.$ref) {
    const file = new URL(response.$ref, base);
    response = JSON.parse(readFileSync(fileURLToPath(file), 'utf8')) as typeof response;
    base = file;
  }
  // A binary method (stream, getCoverArt) answers JSON only to fail: the description's envelope.
  const binary = response.content !== undefined && 'application/binary' in response.content;
  const ref = binary ? '../schemas/SubsonicResponse.json' : response.content?.['application/json']?.schema.$ref;
  if (!ref) throw new Error(`no JSON schema for ${method}`);
  const id = new URL(ref, base).href;
  const validate = compiler().getSchema(id);
  if (!validate) throw new Error(`schema ${id} not loaded`);
  return validate;
}

/** Problems of a JSON answer to `method` against the description (empty: valid). */
export function schemaErrors(method: string, body: unknown): string[] {
  const validate = responseValidator(method);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false, isArray: (_name: string, _path: unknown, _leaf: boolean, attribute: boolean) => !attribute, textNodeName: '#text', ignoreDeclaration: true });

type XmlElement = Record<string, unknown>;

/** The root element of an XML answer (every child element as an array, attributes as strings). */
export function parseXml(xml: string): XmlElement {
  const document = parser.parse(xml, true) as Record<string, XmlElement[]>;
  const root = document['subsonic-response'];
  if (!root || root.length !== 1) throw new Error('no subsonic-response element');
  return root[0]!;
}

/**
 * Differences between an XML element and the JSON object that should be the same data (empty:
 * none). Element order is not compared; attributes and children must match exactly.
 */
export function xmlMismatches(element: XmlElement, json: Record<string, unknown>, path = 'subsonic-response'): string[] {
  const problems: string[] = [];
  const expectedKeys = new Set<string>();
  for (const [key, value] of Object.entries(json)) {
    if (value === undefined || value === null) continue;
    if (key === 'value' && typeof value !== 'object') {
      expectedKeys.add('#text');
      const text = element['#text'];
      const actual = Array.isArray(text) ? text.join('') : text;
      if (String(actual) !== String(value)) problems.push(`${path} text: ${String(actual)} != ${String(value)}`);
      continue;
    }
    expectedKeys.add(key);
    const actual = element[key];
    if (Array.isArray(value)) {
      const items = (Array.isArray(actual) ? actual : actual === undefined ? [] : [actual]) as unknown[];
      if (items.length !== value.length) {
        problems.push(`${path}.${key}: ${items.length} elements, JSON has ${value.length}`);
        continue;
      }
      value.forEach((v, i) => {
        const item = items[i];
        if (typeof v === 'object' && v !== null) problems.push(...xmlMismatches(item as XmlElement, v as Record<string, unknown>, `${path}.${key}[${i}]`));
        else {
          const text = typeof item === 'object' && item !== null ? (item as XmlElement)['#text'] : item;
          const flat = Array.isArray(text) ? text.join('') : text;
          if (String(flat) !== String(v)) problems.push(`${path}.${key}[${i}]: ${String(flat)} != ${String(v)}`);
        }
      });
    } else if (typeof value === 'object') {
      const items = actual as XmlElement[] | undefined;
      if (!Array.isArray(items) || items.length !== 1) problems.push(`${path}.${key}: expected one element`);
      else problems.push(...xmlMismatches(items[0]!, value as Record<string, unknown>, `${path}.${key}`));
    } else if (actual !== String(value)) {
      problems.push(`${path}@${key}: ${JSON.stringify(actual)} != ${JSON.stringify(String(value))}`);
    }
  }
  for (const key of Object.keys(element)) {
    if (key === 'xmlns') continue;
    if (!expectedKeys.has(key)) problems.push(`${path}: XML has ${key}, JSON does not`);
  }
  return problems;
}
