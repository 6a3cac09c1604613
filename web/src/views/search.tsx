/** Search as you type: tracks, albums and artists; the query lives in the URL. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { href, navigate } from '../router.js';
import { Cover } from '../ui/cover.js';
import { plural, year } from '../ui/format.js';
import { useSearch } from '../ui/search-box.js';
import { Empty, ErrorMessage } from '../ui/status.js';
import { TrackList } from '../ui/track-list.js';
import type { PlayHandler } from './play.js';

export function Search({ q: initial, play }: { q: string; play?: PlayHandler }): JSX.Element {
  const [q, setQ] = useState(initial);
  const input = useRef<HTMLInputElement>(null);
  const state = useSearch(q);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => navigate(href({ name: 'search', q: q.trim() }), { replace: true }), [q]);
  const results = state.results;
  const count = results ? (results.tracks?.length ?? 0) + (results.albums?.length ?? 0) + (results.artists?.length ?? 0) : 0;
  return (
    <>
      <h1>Search</h1>
      <form role="search" class="search-form" onSubmit={(e) => e.preventDefault()}>
        <label for="search-input" class="visually-hidden">
          Search for songs, albums and artists
        </label>
        <input
          id="search-input"
          ref={input}
          type="search"
          placeholder="What do you want to listen to?"
          autocomplete="off"
          spellcheck={false}
          maxLength={200}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </form>
      <p class="visually-hidden" role="status">
        {state.answered ? `${plural(count, 'result')} for ${state.answered}` : ''}
      </p>
      {state.error !== undefined && <ErrorMessage error={state.error} />}
      {!q.trim() && <Empty>Type to search the catalog.</Empty>}
      {q.trim() && results && count === 0 && <Empty>Nothing found for “{state.answered}”.</Empty>}
      {q.trim() && results && (
        <div class={state.searching ? 'results stale' : 'results'} aria-busy={state.searching}>
          {results.tracks && results.tracks.length > 0 && (
            <section aria-labelledby="results-tracks" class="section">
              <h2 id="results-tracks">Songs</h2>
              <TrackList tracks={results.tracks} label="Songs found" {...(play ? { onPlay: (i: number) => play(results.tracks!, i, { type: 'search' }) } : {})} />
            </section>
          )}
          {results.artists && results.artists.length > 0 && (
            <section aria-labelledby="results-artists" class="section">
              <h2 id="results-artists">Artists</h2>
              <ul class="cards">
                {results.artists.map((a) => (
                  <li key={a.id} class="card">
                    <Cover albumId={a.id} title={a.name} />
                    <a class="card-title" href={href({ name: 'artist', id: a.id })}>
                      {a.name}
                    </a>
                    <span class="card-sub">{a.genres.slice(0, 2).join(', ') || 'Artist'}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {results.albums && results.albums.length > 0 && (
            <section aria-labelledby="results-albums" class="section">
              <h2 id="results-albums">Albums</h2>
              <AlbumCards albums={results.albums} />
            </section>
          )}
        </div>
      )}
    </>
  );
}

export function AlbumCards({ albums }: { albums: readonly { id: string; title: string; artistName: string; releaseDate: string; coverUrl?: string }[] }): JSX.Element {
  return (
    <ul class="cards">
      {albums.map((a) => (
        <li key={a.id} class="card">
          <Cover albumId={a.id} title={a.title} src={a.coverUrl} />
          <a class="card-title" href={href({ name: 'album', id: a.id })}>
            {a.title}
          </a>
          <span class="card-sub">
            {year(a.releaseDate)} · {a.artistName}
          </span>
        </li>
      ))}
    </ul>
  );
}
