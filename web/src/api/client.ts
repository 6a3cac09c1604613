/**
 * Requests as the signed-in user. A refused token is renewed once (local accounts) and the
 * request sent again; when it cannot be, the session ends with a message.
 */
import { currentSession, renewSession, signOut } from '../session.js';
import { ApiError, request, type Method } from './http.js';

async function call<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const { accessToken } = currentSession();
  const send = (token: string) => request<T>(method, path, { body, token, ...(signal ? { signal } : {}) });
  try {
    return await send(accessToken);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    const renewed = await renewSession(accessToken);
    if (renewed && renewed.accessToken !== accessToken) {
      try {
        return await send(renewed.accessToken);
      } catch (again) {
        if (again instanceof ApiError && again.status === 401) signOut('Your session has ended. Sign in again.');
        throw again;
      }
    }
    signOut('Your session has ended. Sign in again.');
    throw error;
  }
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => call<T>('GET', path, undefined, signal),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => call<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  delete: <T>(path: string, body?: unknown) => call<T>('DELETE', path, body),
};

/** A query string from defined values. */
export function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

/** Encodes a path segment. */
export const seg = (id: string): string => encodeURIComponent(id);
