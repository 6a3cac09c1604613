/**
 * Sharing a playlist: the owner makes it collaborative or public, adds people as editors or
 * viewers, changes their role, removes them (their open editors are told at once), or deletes
 * the playlist; a collaborator may leave.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api/http.js';
import { changePlaylist, deletePlaylist, removeCollaborator, setCollaborator } from '../api/playlists.js';
import type { Playlist } from '../api/types.js';
import { href, navigate } from '../router.js';
import { announce } from '../ui/announce.js';

type Role = 'editor' | 'viewer';

export function Sharing({ playlist, me, onChanged }: { playlist: Playlist; me: string; onChanged: (position?: string) => void }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const isOwner = playlist.ownerId === me;

  const run = async (action: () => Promise<{ position?: string } | void>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await action();
      announce(done);
      onChanged(result?.position);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  if (!isOwner) {
    return (
      <section class="section sharing" aria-labelledby="sharing-title">
        <h2 id="sharing-title">Sharing</h2>
        <p class="muted">Owned by {playlist.ownerId}.</p>
        {playlist.collaborators.some((c) => c.userId === me) && (
          <button type="button" class="button secondary" disabled={busy} onClick={() => void run(() => removeCollaborator(playlist.id, me), 'You left the playlist')}>
            Leave this playlist
          </button>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </section>
    );
  }

  return (
    <section class="section sharing" aria-labelledby="sharing-title">
      <h2 id="sharing-title">Sharing</h2>
      <div class="row wrap">
        <label class="check">
          <input
            type="checkbox"
            checked={playlist.collaborative}
            disabled={busy}
            onChange={(e) => void run(() => changePlaylist(playlist.id, { collaborative: e.currentTarget.checked }), 'Saved')}
          />{' '}
          Collaborative: editors can change it
        </label>
        <label class="check">
          <input type="checkbox" checked={playlist.public} disabled={busy} onChange={(e) => void run(() => changePlaylist(playlist.id, { public: e.currentTarget.checked }), 'Saved')} /> Public:
          anyone can listen
        </label>
      </div>
      <h3>People</h3>
      {playlist.collaborators.length === 0 ? (
        <p class="muted">Only you, so far.</p>
      ) : (
        <ul class="people collaborators" aria-label="People on this playlist">
          {playlist.collaborators.map((c) => (
            <li key={c.userId}>
              <span class="avatar" aria-hidden="true">
                {c.userId.slice(0, 1).toUpperCase()}
              </span>
              <a href={href({ name: 'user', id: c.userId })}>{c.userId}</a>
              <label class="visually-hidden" for={`role-${c.userId}`}>
                Role of {c.userId}
              </label>
              <select
                id={`role-${c.userId}`}
                value={c.role}
                disabled={busy}
                onChange={(e) => void run(() => setCollaborator(playlist.id, c.userId, e.currentTarget.value as Role), `${c.userId} is now a ${e.currentTarget.value}`)}
              >
                <option value="editor">Editor</option>
                <option value="viewer">Viewer</option>
              </select>
              <button type="button" class="button small secondary" disabled={busy} onClick={() => void run(() => removeCollaborator(playlist.id, c.userId), `Removed ${c.userId}`)}>
                Remove<span class="visually-hidden"> {c.userId}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <Invite disabled={busy} onInvite={(userId, role) => void run(() => setCollaborator(playlist.id, userId, role), `Added ${userId} as ${role}`)} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h3>Danger zone</h3>
      <button
        type="button"
        class="button danger"
        disabled={busy}
        onClick={() => {
          if (!confirm(`Delete “${playlist.name}” for everyone?`)) return;
          void run(async () => {
            await deletePlaylist(playlist.id);
            navigate(href({ name: 'playlists' }));
          }, 'Playlist deleted');
        }}
      >
        Delete playlist
      </button>
    </section>
  );
}

function Invite({ disabled, onInvite }: { disabled: boolean; onInvite: (userId: string, role: Role) => void }): JSX.Element {
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('editor');
  return (
    <form
      class="form invite"
      onSubmit={(e) => {
        e.preventDefault();
        if (!userId.trim()) return;
        onInvite(userId.trim(), role);
        setUserId('');
      }}
    >
      <label for="invite-user">Add someone (user name)</label>
      <div class="row">
        <input id="invite-user" required maxLength={128} value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        <label for="invite-role" class="visually-hidden">
          Role
        </label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          <option value="editor">Editor</option>
          <option value="viewer">Viewer</option>
        </select>
        <button type="submit" class="button" disabled={disabled}>
          Add
        </button>
      </div>
    </form>
  );
}
