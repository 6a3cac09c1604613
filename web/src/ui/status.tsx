/** Loading and error states of a screen or a section. */
import type { ComponentChildren, JSX } from 'preact';
import { describeError } from '../api/http.js';

export function Loading({ label = 'Loading' }: { label?: string }): JSX.Element {
  return (
    <p class="muted loading" role="status">
      {label}…
    </p>
  );
}

export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }): JSX.Element {
  return (
    <div class="error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" class="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }): JSX.Element {
  return <p class="muted empty">{children}</p>;
}
