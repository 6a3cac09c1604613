/** Your playlists (owned and shared with you), and a form to create one. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api/http.js';
import { createPlaylist, myPlaylists } from '../api/playlists.js';
import { href, navigate } from '../router.js';
import { useResource } from '../ui/resource.js';
import { Empty, ErrorMessage, Loading } from '../ui/status.js';
import { PlaylistCards } from './playlist-cards.js';

export function Playlists(): JSX.Element {
  const playlists = useResource((signal) => myPlaylists(signal), []);
  return (
    <>
      <h1>Playlists</h1>
      <CreatePlaylist />
      <section class="section" aria-labelledby="your-playlists">
        <h2 id="your-playlists">Yours and shared with you</h2>
        {playlists.error ? (
          <ErrorMessage error={playlists.error} retry={playlists.reload} />
        ) : !playlists.data ? (
          <Loading label="Loading your playlists" />
        ) : playlists.data.items.length === 0 ? (
          <Empty>No playlists yet.</Empty>
        ) : (
          <PlaylistCards playlists={playlists.data.items} />
        )}
      </section>
    </>
  );
}

function CreatePlaylist(): JSX.Element {
  const [name, setName] = useState('');
  const [collaborative, setCollaborative] = useState(true);
  const [isPublic, setPublic] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await createPlaylist({ name: name.trim(), collaborative, public: isPublic });
      navigate(href({ name: 'playlist', id: created.id }));
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <form class="form inline-form" onSubmit={(e) => void submit(e)} aria-labelledby="create-playlist">
      <h2 id="create-playlist">New playlist</h2>
      <label for="new-playlist-name">Name</label>
      <input id="new-playlist-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label class="check">
        <input type="checkbox" checked={collaborative} onChange={(e) => setCollaborative(e.currentTarget.checked)} /> Collaborative (people you add can edit)
      </label>
      <label class="check">
        <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} /> Public (anyone can listen)
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="button primary" type="submit" disabled={busy || !name.trim()}>
        Create
      </button>
    </form>
  );
}
