/**
 * Sign in: with a local account (user name and password), create one where the server takes
 * sign-ups (its first account, or anyone's with open sign-up), or, only where the server issues
 * development tokens, pick a user name to be. The server says which (GET /v1/auth/methods).
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/http.js';
import { getSignInMethods, signInWithDevToken, signInWithPassword, signUp, signedOutReason, type SignInMethods } from '../session.js';
import { useStore } from '../store.js';

const ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.:@\\-]{0,127}';
const USERNAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.@\\-]{0,63}';

type Mode = 'password' | 'signup' | 'dev';

/** What the sign-in screen offers when the server cannot be asked (an older server: accounts only). */
const FALLBACK: SignInMethods = { devTokens: false, accounts: true, signUp: false };

export function SignIn(): JSX.Element {
  const reason = useStore(signedOutReason);
  const [methods, setMethods] = useState<SignInMethods | undefined>();
  const [unreachable, setUnreachable] = useState(false);
  const [mode, setMode] = useState<Mode>('password');

  useEffect(() => {
    getSignInMethods().then(
      (m) => {
        setMethods(m);
        setMode(m.devTokens ? 'dev' : m.accounts ? 'password' : 'dev');
      },
      (error: unknown) => {
        setUnreachable(error instanceof ApiError && error.status === 0);
        setMethods(FALLBACK);
      },
    );
  }, []);

  const modes: { value: Mode; label: string }[] = methods
    ? [
        ...(methods.accounts ? [{ value: 'password' as const, label: 'Sign in' }] : []),
        ...(methods.signUp ? [{ value: 'signup' as const, label: 'Create account' }] : []),
        ...(methods.devTokens ? [{ value: 'dev' as const, label: 'Development' }] : []),
      ]
    : [];

  return (
    <main id="main" class="sign-in">
      <div class="sign-in-card">
        <p class="brand-large" aria-hidden="true">
          Chorus
        </p>
        <h1>Sign in to Chorus</h1>
        {reason && (
          <p class="notice" role="status">
            {reason}
          </p>
        )}
        {unreachable && (
          <p class="error" role="alert">
            Chorus cannot be reached: check your connection.
          </p>
        )}
        {!methods && <p class="muted">Loading…</p>}
        {modes.length > 1 && (
          <fieldset class="segmented">
            <legend class="visually-hidden">How to sign in</legend>
            {modes.map((m) => (
              <label key={m.value} class={m.value === mode ? 'segment selected' : 'segment'}>
                <input type="radio" name="sign-in-mode" value={m.value} checked={m.value === mode} onChange={() => setMode(m.value)} />
                {m.label}
              </label>
            ))}
          </fieldset>
        )}
        {methods && mode === 'password' && <PasswordForm />}
        {methods && mode === 'signup' && <SignUpForm />}
        {methods && mode === 'dev' && <DevTokenForm />}
        {methods && modes.length === 0 && <p class="error">This server offers no way to sign in here: ask its operator.</p>}
      </div>
    </main>
  );
}

/** Runs `action` for a form: busy while it runs, its error shown. */
function useSubmit(action: () => Promise<void>): { busy: boolean; error: string | undefined; submit: (event: Event) => void } {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    action().catch((e: unknown) => {
      setError(messageFor(e));
      setBusy(false);
    });
  };
  return { busy, error, submit };
}

function messageFor(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'INVALID_CREDENTIALS':
        return 'That user name and password do not match.';
      case 'SIGN_IN_RATE_LIMITED':
        return 'Too many attempts: wait a minute and try again.';
      case 'SIGNUP_CLOSED':
        return 'Sign-up is closed on this server: an administrator creates accounts.';
      case 'USERNAME_TAKEN':
        return 'That user name is taken.';
      case 'DEV_TOKENS_DISABLED':
        return 'Development sign-in is off on this server: sign in with your account.';
    }
  }
  return describeError(error);
}

function FormError({ error }: { error: string | undefined }): JSX.Element | null {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

function PasswordForm(): JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(() => signInWithPassword(username.trim(), password));
  return (
    <form onSubmit={submit} class="form" aria-label="Sign in">
      <label for="signin-username">User name</label>
      <input id="signin-username" name="username" autocomplete="username" required maxLength={128} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      <label for="signin-password">Password</label>
      <input
        id="signin-password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        maxLength={4096}
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <FormError error={error} />
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function SignUpForm(): JSX.Element {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(() => signUp(username.trim(), password, displayName.trim() || username.trim()));
  return (
    <form onSubmit={submit} class="form" aria-label="Create account">
      <p class="muted">The first account of a server administers it.</p>
      <label for="signup-username">User name</label>
      <input
        id="signup-username"
        name="username"
        autocomplete="username"
        required
        pattern={USERNAME_PATTERN}
        maxLength={64}
        value={username}
        onInput={(e) => setUsername(e.currentTarget.value)}
        aria-describedby="signup-username-help"
      />
      <small id="signup-username-help" class="muted">
        Letters, digits and . _ @ -
      </small>
      <label for="signup-name">Display name</label>
      <input id="signup-name" name="displayName" autocomplete="name" required maxLength={200} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      <label for="signup-password">Password</label>
      <input
        id="signup-password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minLength={8}
        maxLength={4096}
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
        aria-describedby="signup-password-help"
      />
      <small id="signup-password-help" class="muted">
        At least 8 characters.
      </small>
      <FormError error={error} />
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
    </form>
  );
}

function DevTokenForm(): JSX.Element {
  const [userId, setUserId] = useState('');
  const [displayName, setDisplayName] = useState('');
  const { busy, error, submit } = useSubmit(() => signInWithDevToken(userId.trim(), displayName.trim() || userId.trim()));
  return (
    <form onSubmit={submit} class="form" aria-label="Development sign-in">
      <p class="muted">This server runs in development mode: pick a user name to sign in as (it is created if new).</p>
      <label for="signin-user">User name</label>
      <input
        id="signin-user"
        name="userId"
        autocomplete="username"
        required
        pattern={ID_PATTERN}
        maxLength={128}
        value={userId}
        onInput={(e) => setUserId(e.currentTarget.value)}
        aria-describedby="signin-user-help"
      />
      <small id="signin-user-help" class="muted">
        Letters, digits and . _ : @ -
      </small>
      <label for="signin-name">Display name</label>
      <input id="signin-name" name="displayName" autocomplete="name" maxLength={200} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      <FormError error={error} />
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
