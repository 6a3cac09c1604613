/**
 * The `subsonic-response` envelope, in JSON (`f=json`) or XML (the default; several apps parse
 * only XML). A payload is written once, in the JSON shape of the OpenSubsonic description, and
 * turned into XML by the spec's rules: a scalar field is an attribute, an object a child element,
 * an array repeated child elements, and a field named `value` the element's text (a genre's name).
 */
import type { SubsonicError } from './errors.js';

/** The Subsonic protocol version Chorus speaks. */
export const PROTOCOL_VERSION = '1.16.1';
export const SERVER_TYPE = 'chorus';
const NAMESPACE = 'http://subsonic.org/restapi';

export type Format = 'xml' | 'json';

/** A JSON value a payload is made of. */
export type Value = string | number | boolean | undefined | null | Payload | Value[];
export interface Payload {
  [field: string]: Value;
}

export interface Envelope {
  status: 'ok' | 'failed';
  version: string;
  type: string;
  serverVersion: string;
  openSubsonic: true;
  error?: { code: number; message: string };
  [field: string]: Value;
}

export function okEnvelope(serverVersion: string, payload: Payload = {}): Envelope {
  return { status: 'ok', version: PROTOCOL_VERSION, type: SERVER_TYPE, serverVersion, openSubsonic: true, ...payload };
}

export function failedEnvelope(serverVersion: string, error: SubsonicError): Envelope {
  return { status: 'failed', version: PROTOCOL_VERSION, type: SERVER_TYPE, serverVersion, openSubsonic: true, error: { code: error.code, message: error.message } };
}

export const CONTENT_TYPES: Record<Format, string> = { json: 'application/json; charset=utf-8', xml: 'text/xml; charset=utf-8' };

export function serialize(format: Format, envelope: Envelope): string {
  return format === 'json' ? JSON.stringify({ 'subsonic-response': envelope }) : toXml(envelope);
}

/** Characters XML 1.0 cannot carry, even escaped: left out. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** A scalar as attribute value or text: `&`, `<`, `>` and `"` escaped (one form for both places). */
function escaped(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(NOT_XML, '').replace(/[&<>"]/g, (c) => ENTITIES[c]!);
}

/**
 * The envelope in XML, written directly: the payloads have one known shape (fields of scalars,
 * objects and arrays), so a string writer with an escaper for attribute values and text does what
 * a generic builder did at a fraction of its cost (it was most of the CPU of a large answer).
 */
export function toXml(envelope: Envelope): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${writeElement('subsonic-response', envelope, ` xmlns="${NAMESPACE}"`)}`;
}

function writeElement(name: string, payload: Payload, attributes = ''): string {
  let open = `<${name}${attributes}`;
  let inner = '';
  for (const field in payload) {
    const value = payload[field];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item === undefined || item === null) continue;
        inner += isScalar(item) ? `<${field}>${escaped(item)}</${field}>` : writeElement(field, item as Payload);
      }
    } else if (isScalar(value)) {
      if (field === 'value') inner = escaped(value) + inner;
      else open += ` ${field}="${escaped(value)}"`;
    } else {
      inner += writeElement(field, value as Payload);
    }
  }
  return inner === '' ? `${open}/>` : `${open}>${inner}</${name}>`;
}

const isScalar = (value: Value): value is string | number | boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
