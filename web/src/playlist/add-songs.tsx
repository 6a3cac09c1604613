/** Add songs to the open playlist from a search as you type; added at the end, live. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useSearch } from '../ui/search-box.js';
import { Icon } from '../ui/icons.js';
import { ErrorMessage } from '../ui/status.js';

export function AddSongs({ onAdd }: { onAdd: (trackId: string, title: string) => void }): JSX.Element {
  const [q, setQ] = useState('');
  const state = useSearch(q);
  const tracks = q.trim() ? (state.results?.tracks ?? []) : [];
  return (
    <section class="section add-songs" aria-labelledby="add-songs-title">
      <h2 id="add-songs-title">Add songs</h2>
      <label for="add-songs-input" class="visually-hidden">
        Search songs to add
      </label>
      <input id="add-songs-input" type="search" placeholder="Search songs to add" autocomplete="off" maxLength={200} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {state.error !== undefined && <ErrorMessage error={state.error} />}
      {tracks.length > 0 && (
        <ul class="add-results" aria-label="Songs to add">
          {tracks.slice(0, 8).map((t) => (
            <li key={t.id}>
              <span class="track-main">
                <span class="track-title">{t.title}</span>
                <span class="track-artist">{t.artistName}</span>
              </span>
              <button type="button" class="button small" onClick={() => onAdd(t.id, t.title)} aria-label={`Add ${t.title} by ${t.artistName}`}>
                <Icon name="add" size={16} /> Add
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
