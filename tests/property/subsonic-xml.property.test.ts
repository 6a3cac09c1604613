/**
 * Property: the OpenSubsonic envelope's XML writer (subsonic/envelope.ts, hand-written for the
 * payloads' one shape) says what the JSON says, for any payload of that shape and any text —
 * markup characters, quotes, control characters XML cannot carry (left out), non-BMP letters —
 * as a real XML parser reads it: a scalar field is an attribute, `value` the text, an object a
 * child element, an array repeated children (elements, or text elements for scalars).
 */
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { okEnvelope, toXml, type Payload, type Value } from '../../subsonic/envelope.js';
import { propertyParameters } from '../support/property.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  textNodeName: '#text',
  ignoreDeclaration: true,
  isArray: (_name: string, _path: unknown, _leaf: boolean, attribute: boolean) => !attribute,
});

// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const PIECES = ['a', 'Z', ' ', '&', '<', '>', '"', "'", '&amp;', ']]>', '\u0000', '\u0007', '\u001F', '\uFFFE', 'é', 'ü', '日本', '😀', '=', '/', ';', '#'];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((parts) => parts.join(''));
/** Text that survives the trip: something in it that is not left out (an empty text element would be an empty element). */
const scalar = fc.oneof(text, fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const NAMES = ['id', 'name', 'title', 'song', 'album', 'artist', 'genres', 'entry', 'replayGain', 'starred'];

/** Text with a letter in it: an element's text of whitespace alone is no text to a parser. */
const someText = fc.tuple(text, fc.constantFrom('a', 'é', '😀'), text).map((parts) => parts.join(''));
const attributes = fc.dictionary(fc.constantFrom(...NAMES), scalar, { maxKeys: 4 });
const leaf = fc.tuple(attributes, fc.option(someText, { nil: undefined })).map(([fields, value]) => (value === undefined ? fields : { ...fields, value }) as Payload);

const element: fc.Arbitrary<Payload> = fc.letrec<{ node: Payload }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'payload' },
    leaf,
    fc
      .tuple(
        attributes,
        fc.dictionary(fc.constantFrom(...NAMES.map((n) => `${n}s`)), fc.oneof(tie('node'), fc.array(tie('node'), { maxLength: 3 }), fc.array(someText, { maxLength: 3 })), { minKeys: 1, maxKeys: 3 }),
      )
      .map(([fields, children]) => ({ ...fields, ...children }) as Payload),
  ),
})).node;

type Parsed = Record<string, unknown>;

/** What the XML element `parsed` should be, from the JSON value, as mismatches (none: the same). */
function mismatches(node: unknown, json: Payload, path: string): string[] {
  // An element with text alone reads as its text.
  const parsed: Parsed = typeof node === 'object' && node !== null ? (node as Parsed) : node === undefined || node === '' ? {} : { '#text': node };
  const problems: string[] = [];
  const seen = new Set<string>();
  const flat = (t: unknown) => (Array.isArray(t) ? t.join('') : t);
  const textOf = (item: unknown) => flat(typeof item === 'object' && item !== null ? ((item as Parsed)['#text'] ?? '') : (item ?? ''));
  for (const [field, value] of Object.entries(json) as [string, Value][]) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      seen.add(field);
      const items = (parsed[field] ?? []) as unknown[];
      if (items.length !== value.length) problems.push(`${path}.${field}: ${items.length} elements, JSON ${value.length}`);
      value.forEach((v, i) => {
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) problems.push(...mismatches(items[i], v, `${path}.${field}[${i}]`));
        else if (String(textOf(items[i])) !== String(v).replace(NOT_XML, '')) problems.push(`${path}.${field}[${i}]: ${JSON.stringify(textOf(items[i]))}`);
      });
    } else if (typeof value === 'object') {
      seen.add(field);
      const items = parsed[field] as Parsed[] | undefined;
      if (items?.length !== 1) problems.push(`${path}.${field}: not one element`);
      else problems.push(...mismatches(items[0], value, `${path}.${field}`));
    } else if (field === 'value') {
      seen.add('#text');
      if (String(flat(parsed['#text'])) !== String(value).replace(NOT_XML, '')) problems.push(`${path} text ${JSON.stringify(parsed['#text'])}`);
    } else {
      seen.add(`@${field}`);
      if (parsed[`@${field}`] !== String(value).replace(NOT_XML, '')) problems.push(`${path}@${field}: ${JSON.stringify(parsed[`@${field}`])} != ${JSON.stringify(String(value))}`);
    }
  }
  for (const key of Object.keys(parsed)) if (key !== '@xmlns' && !seen.has(key)) problems.push(`${path}: XML has ${key}`);
  return problems;
}

describe('the OpenSubsonic XML writer', () => {
  it('writes what the JSON says, for any payload and any text', () => {
    fc.assert(
      fc.property(element, (payload) => {
        const envelope = okEnvelope('1.0.0', { payload });
        const xml = toXml(envelope);
        const document = parser.parse(xml, true) as Record<string, Parsed[]>;
        const root = document['subsonic-response']![0]!;
        expect(root['@xmlns']).toBe('http://subsonic.org/restapi');
        expect(mismatches(root, envelope as unknown as Payload, 'subsonic-response')).toEqual([]);
      }),
      propertyParameters(500),
    );
  });
});
