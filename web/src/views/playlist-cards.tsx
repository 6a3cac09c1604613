/** Playlists as a grid of cards (name, owner, role). */
import type { JSX } from 'preact';
import type { PlaylistSummary } from '../api/types.js';
import { href } from '../router.js';
import { Cover } from '../ui/cover.js';

const roleLabel = { owner: 'Yours', editor: 'You edit', viewer: 'You view' } as const;

export function PlaylistCards({ playlists }: { playlists: readonly PlaylistSummary[] }): JSX.Element {
  return (
    <ul class="cards">
      {playlists.map((p) => (
        <li key={p.id} class="card">
          <Cover albumId={p.id} title={p.name} />
          <a class="card-title" href={href({ name: 'playlist', id: p.id })}>
            {p.name}
          </a>
          <span class="card-sub">
            {roleLabel[p.role] ?? p.role}
            {p.collaborative ? ' · collaborative' : ''}
            {p.public ? ' · public' : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
