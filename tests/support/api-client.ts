/**
 * A small typed client for the HTTP API over real `fetch`, plus the assertions every e2e suite
 * shares: an error answer has the body `{ error: { code, message } }` and the status that
 * ERROR_CODES gives its code.
 */
import { SignJWT } from 'jose';
import { devTokenKey } from '../../application/tokens/dev-tokens.js';
import { expect } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../http/errors.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when there was none (or it was not JSON). */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON (with `Content-Type: application/json`). */
  json?: unknown;
  /** Sent as is; give `contentType` with it. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Overrides the client's token for this call; `null` sends no Authorization header. */
  token?: string | null;
  /** A whole `Authorization` header value (wins over the token). */
  authorization?: string;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** The same server, as another user. */
  as(token: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async request<T = unknown>(method: Method, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, json?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, json === undefined ? options : { ...options, json });
  }
  put<T = unknown>(path: string, json?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PUT', path, json === undefined ? options : { ...options, json });
  }
  patch<T = unknown>(path: string, json?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, json === undefined ? options : { ...options, json });
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
}

/** The shape of every error answer. */
export interface ErrorAnswer {
  error: { code: string; message: string };
}

/**
 * Asserts that `response` is the error `code`: the status ERROR_CODES gives it, and exactly the
 * body `{ error: { code, message } }` with a message that says something.
 */
export function expectError(response: ApiResponse, code: ErrorCode): void {
  const context = `${code} expected; got ${response.status} ${response.text.slice(0, 300)}`;
  expect(Object.keys(ERROR_CODES), context).toContain(code);
  expect(response.status, context).toBe(ERROR_CODES[code].status);
  expect(response.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
  const body = response.body as ErrorAnswer;
  expect(body, context).toEqual({ error: { code, message: expect.any(String) } });
  expect(body.error.message.length, context).toBeGreaterThan(0);
}

/** Dev tokens as Chorus issues them (EdDSA with the key derived from the secret, issuer `chorus-dev`, audience `chorus`), minted here. */
export async function signDevToken(
  secret: string,
  claims: { sub?: string; name?: string; issuer?: string; audience?: string; expiresAt?: number | string },
): Promise<string> {
  const jwt = new SignJWT(claims.name === undefined ? {} : { name: claims.name })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'dev' })
    .setIssuer(claims.issuer ?? 'chorus-dev')
    .setAudience(claims.audience ?? 'chorus')
    .setIssuedAt()
    .setExpirationTime(claims.expiresAt ?? '1h');
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(devTokenKey(new TextEncoder().encode(secret)));
}
