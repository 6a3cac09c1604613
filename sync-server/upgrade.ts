/** The HTTP side of a WebSocket upgrade: its target (playlist and token) and refusals before any socket exists. */
import type { Duplex } from 'node:stream';
import { isId } from '../domain/shared/ids.js';

export const SYNC_PATH = '/v1/sync/playlists/';

/**
 * The playlist id and token of an upgrade URL, or undefined when the URL is not one of ours (a
 * bad percent-encoding, an id that is not an id). Nothing here throws.
 */
export function parseTarget(rawUrl: string | undefined): { playlistId: string; token: string | undefined } | undefined {
  let url: URL;
  let playlistId: string;
  try {
    url = new URL(rawUrl ?? '/', 'http://localhost');
    playlistId = decodeURIComponent(url.pathname.slice(SYNC_PATH.length));
  } catch {
    return undefined;
  }
  if (!url.pathname.startsWith(SYNC_PATH) || !isId(playlistId)) return undefined;
  return { playlistId, token: url.searchParams.get('token') ?? undefined };
}



/** Answers the upgrade with an HTTP error, before any WebSocket exists. */
export function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
