/**
 * Calling the OpenSubsonic edge over raw HTTP in e2e suites: each call in JSON and in XML, the
 * JSON validated against the OpenSubsonic description, the XML parsed by a real XML parser and
 * compared with the JSON; plus the sign-in parameters of each scheme.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { parseXml, schemaErrors, xmlMismatches } from '../../support/opensubsonic.js';

export type Auth = { u: string; p: string } | { u: string; t: string; s: string } | { apiKey: string } | Record<string, string>;

export const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Token auth (`t`, `s`) with a fresh salt. */
export function tokenAuth(u: string, password: string): Auth {
  const s = randomBytes(6).toString('hex');
  return { u, t: md5(password + s), s };
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The `subsonic-response` object of a JSON answer. */
  json: Record<string, unknown> & { status: string; error?: { code: number; message: string } };
}

export interface CallOptions {
  format?: 'json' | 'xml';
  /** Send the parameters as a form body (POST). */
  post?: boolean;
  /** Path suffix `.view`. */
  view?: boolean;
  headers?: Record<string, string>;
  /** Leave out `v` and `c`. */
  bare?: boolean;
}

type ParamValue = string | number | boolean | readonly (string | number)[] | undefined;

export class SubsonicCaller {
  constructor(
    readonly baseUrl: string,
    readonly auth: Auth,
  ) {}

  as(auth: Auth): SubsonicCaller {
    return new SubsonicCaller(this.baseUrl, auth);
  }

  /** One call, as asked. */
  async raw(method: string, params: Record<string, ParamValue> = {}, options: CallOptions = {}): Promise<Answer> {
    const search = new URLSearchParams();
    const all: Record<string, ParamValue> = { ...(options.bare ? {} : { v: '1.16.1', c: 'chorus-tests' }), ...this.auth, ...params };
    if (options.format === 'json') all.f = 'json';
    for (const [name, value] of Object.entries(all)) {
      if (value === undefined) continue;
      for (const one of [value].flat()) search.append(name, String(one));
    }
    const path = `${this.baseUrl}/rest/${method}${options.view ? '.view' : ''}`;
    const response = options.post
      ? await fetch(path, { method: 'POST', body: search.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers } })
      : await fetch(`${path}?${search.toString()}`, { headers: options.headers });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    let json = {} as Answer['json'];
    if (contentType.startsWith('application/json')) json = (JSON.parse(text) as { 'subsonic-response': Answer['json'] })['subsonic-response'];
    return { status: response.status, contentType, text, json };
  }

  /**
   * The call in JSON and in XML: the JSON must fit the OpenSubsonic description of `method`, the
   * XML must say the same; answers the JSON's `subsonic-response`.
   */
  async both(method: string, params: Record<string, ParamValue> = {}, options: Omit<CallOptions, 'format'> = {}): Promise<Answer['json']> {
    const json = await this.raw(method, params, { ...options, format: 'json' });
    expect(json.status, json.text).toBe(200);
    expect(json.contentType).toMatch(/^application\/json/);
    expect(schemaErrors(method, JSON.parse(json.text)), `${method} JSON against the OpenSubsonic description: ${json.text.slice(0, 2000)}`).toEqual([]);
    // Calls that change something run once; the XML is checked on a read.
    if (!CHANGES.has(method) || json.json.status === 'failed') {
      const xml = await this.raw(method, params, { ...options, format: 'xml' });
      expect(xml.contentType).toMatch(/^text\/xml/);
      const root = parseXml(xml.text);
      expect(root.xmlns).toBe('http://subsonic.org/restapi');
      if (!method.startsWith('getRandom') && !(method === 'getAlbumList2' && params.type === 'random') && method !== 'getSimilarSongs2') {
        expect(xmlMismatches(root, json.json), `${method} XML differs from JSON`).toEqual([]);
      } else {
        expect(root.status).toBe(json.json.status);
      }
    }
    return json.json;
  }

  /** `both`, expecting `status: "ok"`. */
  async ok(method: string, params: Record<string, ParamValue> = {}, options: Omit<CallOptions, 'format'> = {}): Promise<Answer['json']> {
    const answer = await this.both(method, params, options);
    expect(answer.status, JSON.stringify(answer)).toBe('ok');
    expect(answer).toMatchObject({ version: '1.16.1', type: 'chorus', openSubsonic: true });
    return answer;
  }

  /** `both`, expecting the error `code`. */
  async failed(code: number, method: string, params: Record<string, ParamValue> = {}, options: Omit<CallOptions, 'format'> = {}): Promise<Answer['json']> {
    const answer = await this.both(method, params, options);
    expect(answer.status, JSON.stringify(answer)).toBe('failed');
    expect(answer.error?.code, JSON.stringify(answer)).toBe(code);
    return answer;
  }
}

/** Methods that write: their JSON call is the one that counts. */
const CHANGES = new Set(['createPlaylist', 'updatePlaylist', 'deletePlaylist', 'star', 'unstar', 'scrobble', 'savePlayQueue']);
