/**
 * The `subsonic-response` envelope, in JSON (`f=json`) or XML (the default; several apps parse
 * only XML). A payload is written once, in the JSON shape of the OpenSubsonic description, and
 * turned into XML by the spec's rules: a scalar field is an attribute, an object a child element,
 * an array repeated child elements, and a field named `value` the element's text (a genre's name).
 */
import { XMLBuilder } from 'fast-xml-parser';
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

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  format: false,
});

/** Characters XML 1.0 cannot carry, even escaped. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const text = (value: string | number | boolean) => (typeof value === 'string' ? value.replace(NOT_XML, '') : String(value));

export function toXml(envelope: Envelope): string {
  const root = { '@_xmlns': NAMESPACE, ...element(envelope) };
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ 'subsonic-response': root }) as string}`;
}

type XmlNode = Record<string, unknown>;

function element(payload: Payload): XmlNode {
  const node: XmlNode = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      node[name] = value.filter((v) => v !== undefined && v !== null).map((v) => (isScalar(v) ? text(v) : element(v as Payload)));
    } else if (isScalar(value)) {
      node[name === 'value' ? '#text' : `@_${name}`] = text(value);
    } else {
      node[name] = element(value as Payload);
    }
  }
  return node;
}

const isScalar = (value: Value): value is string | number | boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
