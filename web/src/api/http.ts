/**
 * One HTTP request to the Chorus API: JSON in and out, errors as `ApiError` with the server's
 * stable code (`{error: {code, message}}`), or `NETWORK` when the server cannot be reached.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An early answer older than this is not used (the page has moved on since it loaded). */
const EARLY_MAX_AGE_MS = 10_000;

/**
 * The answer early.ts asked for before the client loaded, if it is for this GET with this token
 * (taken once).
 */
function takeEarly(method: Method, path: string, token: string | undefined): Promise<Response> | undefined {
  const early = globalThis.chorusEarly?.requests.get(path);
  if (!early || method !== 'GET') return undefined;
  globalThis.chorusEarly!.requests.delete(path);
  return early.token === token && performance.now() - early.sentAt < EARLY_MAX_AGE_MS ? early.response : undefined;
}

/** Resolves once the first screen's early request has answered (at once when there was none), or after `maxMs`. */
export function firstScreenSettled(maxMs = 3_000): Promise<void> {
  const settled = globalThis.chorusEarly?.settled;
  return settled ? Promise.race([settled, new Promise<void>((resolve) => setTimeout(resolve, maxMs))]) : Promise.resolve();
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await (takeEarly(method, path, options.token) ??
      fetch(path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }));
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'Chorus cannot be reached: check your connection.');
  }
  // A 204 carries the position of its write in a header (read-your-writes with ?after=).
  if (response.status === 204) return { position: response.headers.get('chorus-position') ?? undefined } as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiError(
      response.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error?.message === 'string' ? error.message : `the server answered ${response.status}`,
    );
  }
  return body as T;
}

/** A message for people, from any error. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message.charAt(0).toUpperCase() + error.message.slice(1);
  if (error instanceof Error) return error.message;
  return String(error);
}

export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';
