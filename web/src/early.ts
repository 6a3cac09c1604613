/**
 * The first screen's own request, sent before the client's code has loaded. The page lists this
 * small script before the client's: it runs as soon as the page is parsed, while the client is
 * still being compiled and drawn, so a screen whose heading waits for data (an album, an artist,
 * a playlist, a profile) gets its answer about one client start-up sooner. api/http.ts takes the
 * answer instead of asking again when the client asks for the same path with the same token.
 *
 * It imports nothing (one small file, no shared chunk to wait for), so the paths below repeat
 * the ones api/ builds for these screens; tests/browser/client.test.ts checks that a cold album
 * and playlist each ask for their data once.
 */

export interface EarlyRequest {
  /** The access token it was sent with: another token means another answer. */
  token: string;
  /** performance.now() when it was sent. */
  sentAt: number;
  response: Promise<Response>;
}

export interface Early {
  requests: Map<string, EarlyRequest>;
  /** Every early request has answered (or failed): the client starts its other requests then. */
  settled: Promise<void>;
}

declare global {
  var chorusEarly: Early | undefined;
}

/** The screens with an id whose heading waits for one GET, and that GET's path. */
const FIRST_REQUEST: Record<string, (id: string) => string> = {
  album: (id) => `/v1/albums/${encodeURIComponent(id)}`,
  artist: (id) => `/v1/artists/${encodeURIComponent(id)}`,
  playlist: (id) => `/v1/playlists/${encodeURIComponent(id)}`,
  user: (id) => `/v1/users/${encodeURIComponent(id)}`,
};

/** The access token kept by session.ts, unless it is missing or about to expire. */
function storedToken(): string | undefined {
  try {
    const value = JSON.parse(localStorage.getItem('chorus.session') ?? 'null') as { accessToken?: unknown; expiresAt?: unknown } | null;
    if (typeof value?.accessToken !== 'string') return undefined;
    if (typeof value.expiresAt === 'number' && value.expiresAt < Date.now() + 60_000) return undefined;
    return value.accessToken;
  } catch {
    return undefined;
  }
}

/** The path of the first screen's request, for `pathname`, or undefined. */
export function firstRequest(pathname: string): string | undefined {
  const parts = pathname.split('/').filter(Boolean);
  if (parts.length !== 2) return undefined;
  const path = FIRST_REQUEST[parts[0]!];
  if (!path) return undefined;
  try {
    return path(decodeURIComponent(parts[1]!));
  } catch {
    return undefined;
  }
}

function start(): Early {
  const requests = new Map<string, EarlyRequest>();
  const token = storedToken();
  const path = token ? firstRequest(location.pathname) : undefined;
  if (token && path) {
    const response = fetch(path, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
    // Handled by whoever takes it; a failure nobody takes is not an error of the page.
    response.catch(() => undefined);
    requests.set(path, { token, sentAt: performance.now(), response });
  }
  const settled = Promise.allSettled([...requests.values()].map((r) => r.response)).then(() => undefined);
  return { requests, settled };
}

globalThis.chorusEarly ??= start();
