/** Follow / Following for a user, an artist or a playlist (a toggle button with its state). */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../api/http.js';
import { followsEach, setFollowing, type FollowTarget } from '../api/social.js';
import { announce } from '../ui/announce.js';

export function FollowButton({ target, id, name, onChange }: { target: FollowTarget; id: string; name: string; onChange?: (following: boolean, position?: string) => void }): JSX.Element {
  const [following, setState] = useState<boolean | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    followsEach(target, [id], controller.signal).then(
      ([value]) => setState(value ?? false),
      () => setState(false),
    );
    return () => controller.abort();
  }, [target, id]);
  const toggle = async () => {
    const next = !following;
    setBusy(true);
    try {
      const position = await setFollowing(target, id, next);
      setState(next);
      onChange?.(next, position);
      announce(next ? `You follow ${name}` : `You no longer follow ${name}`);
    } catch (e) {
      announce(describeError(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class={following ? 'button secondary' : 'button'} aria-pressed={following ?? false} disabled={busy || following === undefined} onClick={() => void toggle()}>
      {following ? 'Following' : 'Follow'}
      <span class="visually-hidden"> {name}</span>
    </button>
  );
}
