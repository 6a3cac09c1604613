/**
 * Who is signed in: the access token and who it belongs to, kept in localStorage so a reload
 * stays signed in. Sign-in methods: a local account (user name and password; the access token is
 * renewed with the refresh token before it expires, and when the server refuses it), or a
 * development token (servers in dev mode; it is not renewed).
 *
 * Refresh tokens rotate and a spent one used again signs out every device of that sign-in, so
 * tabs never refresh at once: renewal runs under a Web Lock, reads the session again first, and
 * tabs follow each other's sessions through the `storage` event.
 */
import { ApiError, request } from './api/http.js';
import { createStore, useStore } from './store.js';

export interface Session {
  userId: string;
  displayName: string;
  accessToken: string;
  /** Local accounts: the refresh token, and when the access token expires (ms since the epoch). */
  refreshToken?: string;
  expiresAt?: number;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  userId: string;
}

export interface SignInMethods {
  devTokens: boolean;
  accounts: boolean;
  signUp: boolean;
}

const KEY = 'chorus.session';
/** Renew this long before the access token expires. */
const RENEW_EARLY_MS = 60_000;

function parse(text: string | null): Session | undefined {
  try {
    const value = JSON.parse(text ?? 'null') as Partial<Session> | null;
    if (value && typeof value.userId === 'string' && typeof value.accessToken === 'string') {
      return {
        userId: value.userId,
        displayName: typeof value.displayName === 'string' ? value.displayName : value.userId,
        accessToken: value.accessToken,
        ...(typeof value.refreshToken === 'string' ? { refreshToken: value.refreshToken } : {}),
        ...(typeof value.expiresAt === 'number' ? { expiresAt: value.expiresAt } : {}),
      };
    }
  } catch {
    // A damaged entry: signed out.
  }
  return undefined;
}

const stored = (): Session | undefined => parse(localStorage.getItem(KEY));

export const session = createStore<Session | undefined>(stored());
/** Why the last session ended, shown on the sign-in screen. */
export const signedOutReason = createStore<string | undefined>(undefined);

session.subscribe(() => {
  const value = session.get();
  const text = value ? JSON.stringify(value) : null;
  if (localStorage.getItem(KEY) === text) return;
  if (text) localStorage.setItem(KEY, text);
  else localStorage.removeItem(KEY);
});

// Another tab signed in, renewed or signed out: follow it.
addEventListener('storage', (event) => {
  if (event.key !== KEY && event.key !== null) return;
  const next = stored();
  const now = session.get();
  if (next?.accessToken === now?.accessToken && next?.refreshToken === now?.refreshToken) return;
  session.set(next);
});

export function useSession(): Session | undefined {
  return useStore(session);
}

export function currentSession(): Session {
  const value = session.get();
  if (!value) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in first');
  return value;
}

export const getSignInMethods = (): Promise<SignInMethods> => request<SignInMethods>('GET', '/v1/auth/methods');

export async function signInWithDevToken(userId: string, displayName: string): Promise<void> {
  const answer = await request<{ token: string; userId: string }>('POST', '/v1/auth/dev-token', { body: { userId, displayName } });
  signedOutReason.set(undefined);
  session.set({ userId: answer.userId, displayName, accessToken: answer.token });
}

/** Signs in with a local account; the display name comes from GET /v1/me. */
export async function signInWithPassword(username: string, password: string): Promise<void> {
  const pair = await request<TokenPair>('POST', '/v1/auth/login', { body: { username, password } });
  const me = await request<{ displayName?: string }>('GET', '/v1/me', { token: pair.accessToken }).catch(() => ({ displayName: undefined }));
  signedOutReason.set(undefined);
  session.set(fromPair(pair, me.displayName ?? username));
}

/** Creates an account (the first one of a server, or any with open sign-up), then signs in. */
export async function signUp(username: string, password: string, displayName: string): Promise<void> {
  await request('POST', '/v1/auth/signup', { body: { username, password, displayName } });
  await signInWithPassword(username, password);
}

function fromPair(pair: TokenPair, displayName: string): Session {
  return { userId: pair.userId, displayName, accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000 };
}

export function signOut(reason?: string): void {
  const ending = session.get();
  signedOutReason.set(reason);
  session.set(undefined);
  // Revokes this sign-in's refresh tokens (best effort: signed out here whatever the answer).
  if (ending?.refreshToken && !reason) void request('POST', '/v1/auth/logout', { body: { refreshToken: ending.refreshToken } }).catch(() => undefined);
}

let renewing: Promise<Session | undefined> | undefined;

/**
 * A fresh access token after `refused` was refused (or is about to expire): another tab's newer
 * one if it renewed meanwhile, else one from the refresh token. Undefined when the session cannot
 * be renewed (a dev token, a revoked sign-in): the caller signs out.
 */
export function renewSession(refused: string): Promise<Session | undefined> {
  renewing ??= withLock(async () => {
    const latest = stored() ?? session.get();
    if (!latest) return undefined;
    if (latest.accessToken !== refused && (latest.expiresAt ?? Infinity) > Date.now() + RENEW_EARLY_MS) {
      session.set(latest);
      return latest;
    }
    if (!latest.refreshToken) return undefined;
    try {
      const pair = await request<TokenPair>('POST', '/v1/auth/refresh', { body: { refreshToken: latest.refreshToken } });
      const renewed = fromPair(pair, latest.displayName);
      session.set(renewed);
      return renewed;
    } catch (error) {
      // Unreachable: keep the session (it may work again once online); refused: it is over.
      if (error instanceof ApiError && error.status === 0) return latest;
      return undefined;
    }
  }).finally(() => {
    renewing = undefined;
  });
  return renewing;
}

function withLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request('chorus.session.renew', work) as Promise<T>) : work();
}

// Renews the access token shortly before it expires, so that sockets reconnecting meanwhile
// (playlists, the player) carry a valid one.
let timer: ReturnType<typeof setTimeout> | undefined;
function schedule(): void {
  clearTimeout(timer);
  const value = session.get();
  if (!value?.refreshToken || value.expiresAt === undefined) return;
  const due = Math.max(1_000, value.expiresAt - Date.now() - RENEW_EARLY_MS);
  timer = setTimeout(() => {
    void renewSession(value.accessToken).then((renewed) => {
      if (!renewed && session.get()?.accessToken === value.accessToken) signOut('Your session has ended. Sign in again.');
    });
  }, due);
}
session.subscribe(schedule);
schedule();
