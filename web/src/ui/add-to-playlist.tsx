/**
 * "Add to playlist": a dialog listing the playlists the user may edit. Adding goes through the
 * HTTP item route, which edits the same live document the playlist's editors have open.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/http.js';
import { addTracks, canEdit, createPlaylist, myPlaylists } from '../api/playlists.js';
import type { PlaylistSummary } from '../api/types.js';
import { createStore, useStore } from '../store.js';
import { announce } from './announce.js';

interface Request {
  trackIds: string[];
  label: string;
}

const pending = createStore<Request | undefined>(undefined);

export function chooseTargetPlaylist(trackIds: string[], label: string): void {
  pending.set({ trackIds, label });
}

export function AddToPlaylistDialog(): JSX.Element {
  const request = useStore(pending);
  const dialog = useRef<HTMLDialogElement>(null);
  const [playlists, setPlaylists] = useState<PlaylistSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (request && !element.open) {
      setError(undefined);
      setPlaylists(undefined);
      element.showModal();
      myPlaylists().then(
        (page) => setPlaylists(page.items.filter(canEdit)),
        (e: unknown) => setError(describeError(e)),
      );
    } else if (!request && element.open) element.close();
  }, [request]);

  const add = async (playlist: { id: string; name: string }) => {
    if (!request) return;
    setBusy(true);
    try {
      await addTracks(playlist.id, request.trackIds);
      announce(`Added ${request.label} to ${playlist.name}`);
      pending.set(undefined);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const addToNew = async () => {
    if (!request) return;
    setBusy(true);
    try {
      const created = await createPlaylist({ name: request.label, collaborative: true });
      await add(created);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="add-to-playlist-title" onClose={() => pending.set(undefined)}>
      <h2 id="add-to-playlist-title">Add “{request?.label}” to a playlist</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!playlists && !error && <p role="status">Loading your playlists…</p>}
      {playlists && (
        <ul class="choice-list">
          {playlists.map((p) => (
            <li key={p.id}>
              <button type="button" class="choice" disabled={busy} onClick={() => void add(p)}>
                {p.name}
              </button>
            </li>
          ))}
          <li>
            <button type="button" class="choice new" disabled={busy} onClick={() => void addToNew()}>
              New playlist “{request?.label}”
            </button>
          </li>
        </ul>
      )}
      <form method="dialog">
        <button class="button secondary">Cancel</button>
      </form>
    </dialog>
  );
}
