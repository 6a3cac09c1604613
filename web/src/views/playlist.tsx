/**
 * A playlist, edited live with everyone who has it open. The playlist's facts (owner, roles,
 * sharing) come over HTTP; its contents from the live document (playlist/live.ts, loaded on
 * first use so the first screen does not carry Yjs).
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http.js';
import { canEdit, getPlaylist, roleIn } from '../api/playlists.js';
import type { Playlist } from '../api/types.js';
import type { LivePlaylist, LiveState } from '../playlist/live.js';
import { AddSongs } from '../playlist/add-songs.js';
import { EntryList } from '../playlist/entry-list.js';
import { LiveBadge, Presence } from '../playlist/presence.js';
import { Sharing } from '../playlist/settings.js';
import { useSession, type Session } from '../session.js';
import { useStore, createStore } from '../store.js';
import { announce } from '../ui/announce.js';
import { Cover } from '../ui/cover.js';
import { plural } from '../ui/format.js';
import { useResource } from '../ui/resource.js';
import { Empty, ErrorMessage, Loading } from '../ui/status.js';
import { useTracks } from '../ui/tracks.js';
import { getTracks } from '../api/catalog.js';
import { FollowButton } from './follow-button.js';
import type { PlayHandler } from './play.js';

const EMPTY = createStore<LiveState>({ entries: [], status: 'connecting', loaded: false, unsynced: false, peers: [] });

export function PlaylistView({ id, play }: { id: string; play?: PlayHandler }): JSX.Element {
  const me = useSession()!;
  const [after, setAfter] = useState<string | undefined>();
  const [refusals, setRefusals] = useState(0);
  const facts = useResource(
    (signal) =>
      getPlaylist(id, { after, signal }).then((p) => {
        // Its songs are looked up now, while the live document connects.
        void getTracks([...new Set(p.items.map((i) => i.trackId))]);
        return p;
      }),
    [id, after, refusals],
  );
  const playlist = facts.data;
  const role = playlist ? roleIn(playlist, me.userId) : undefined;
  const writable = playlist ? canEdit({ role: role ?? 'viewer', collaborative: playlist.collaborative }) : false;
  const lastCheck = useRef(0);
  // Roles change while the page is open (made a viewer, removed from a public playlist): read
  // the facts again now and then, and when the page comes back into view.
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && facts.reload(), 60_000);
    const visible = () => document.visibilityState === 'visible' && facts.reload();
    document.addEventListener('visibilitychange', visible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [facts.reload]);
  const live = useLive(playlist ? id : undefined, me, writable, () => {
    // Refused at the upgrade: read the facts again (at most every 5 s) to say why.
    if (Date.now() - lastCheck.current < 5000) return;
    lastCheck.current = Date.now();
    setRefusals((n) => n + 1);
  });

  if (facts.error) {
    const code = facts.error instanceof ApiError ? facts.error.code : undefined;
    return code === 'PLAYLIST_NOT_FOUND' || code === 'PLAYLIST_DELETED' ? (
      <>
        <h1>Playlist not available</h1>
        <p role="alert">{code === 'PLAYLIST_DELETED' ? 'This playlist was deleted.' : 'This playlist does not exist, or you do not have access to it.'}</p>
      </>
    ) : (
      <ErrorMessage error={facts.error} retry={facts.reload} />
    );
  }
  if (!playlist) return <Loading label="Loading the playlist" />;
  return <PlaylistScreen playlist={playlist} live={live} me={me} role={role} play={play} onChanged={(position) => (position ? setAfter(position) : facts.reload())} />;
}

/** Opens the live document for `id` (undefined: not yet) and closes it when leaving. */
function useLive(id: string | undefined, me: Session, canWrite: boolean, onRefused: () => void): LivePlaylist | undefined {
  const [live, setLive] = useState<LivePlaylist | undefined>();
  const refused = useRef(onRefused);
  refused.current = onRefused;
  useEffect(() => {
    if (!id) return;
    let opened: LivePlaylist | undefined;
    let cancelled = false;
    void import('../playlist/live.js').then(({ LivePlaylist }) => {
      if (cancelled) return;
      opened = new LivePlaylist(id, me, canWrite, () => refused.current());
      setLive(opened);
    });
    return () => {
      cancelled = true;
      opened?.destroy();
      setLive(undefined);
    };
  }, [id, me.userId, canWrite]);
  return live;
}

interface ScreenProps {
  playlist: Playlist;
  live: LivePlaylist | undefined;
  me: Session;
  role: ReturnType<typeof roleIn>;
  play?: PlayHandler | undefined;
  onChanged: (position?: string) => void;
}

function PlaylistScreen({ playlist, live, me, role, play, onChanged }: ScreenProps): JSX.Element {
  const state = useStore(live?.state ?? EMPTY);
  // Until the live document has loaded, the list is the HTTP snapshot, read-only: the screen
  // does not wait for the socket. Editing starts once the document is here.
  const attached = !!live && state.loaded && (state.entries.length > 0 || state.status !== 'connecting');
  const ended = state.status === 'revoked' || state.status === 'deleted';
  const canWrite = attached && !!live?.canWrite && !ended;
  const snapshot = useMemo(() => playlist.items.map((i) => ({ ...i, pos: '' })), [playlist.items]);
  const entries = attached ? state.entries : snapshot;
  const tracks = useTracks(entries.map((e) => e.trackId));
  const name = state.name ?? playlist.name;
  const names = useMemo(() => {
    const map = new Map<string, string>([[me.userId, 'you']]);
    for (const p of state.peers) if (!map.has(p.userId)) map.set(p.userId, p.name);
    return map;
  }, [state.peers, me.userId]);
  const ordered = entries.flatMap((e) => (tracks?.get(e.trackId) ? [tracks.get(e.trackId)!] : []));

  return (
    <>
      <header class="hero">
        <Cover albumId={playlist.id} title={name} size="large" />
        <div class="hero-body">
          <p class="eyebrow">
            {playlist.public ? 'Public playlist' : 'Playlist'}
            {playlist.collaborative ? ' · collaborative' : ''}
          </p>
          {canWrite ? <NameField name={name} onRename={(n) => live?.rename(n)} /> : <h1>{name}</h1>}
          {canWrite ? (
            <DescriptionField description={state.description ?? playlist.description} onChange={(d) => live?.describe(d)} />
          ) : (
            (state.description ?? playlist.description) && <p class="muted">{state.description ?? playlist.description}</p>
          )}
          <p class="muted">
            {playlist.ownerId === me.userId ? 'Yours' : `By ${playlist.ownerId}`} · {plural(entries.length, 'song')}
            {role === 'viewer' || (role === 'editor' && !playlist.collaborative) ? ' · you can listen, not edit' : ''}
            {!role ? ' · you can listen' : ''}
          </p>
          <div class="row wrap">
            <LiveBadge status={state.status} unsynced={state.unsynced} />
            <Presence peers={state.peers} />
          </div>
          <div class="row wrap">
            {play && ordered.length > 0 && (
              <button type="button" class="button primary" onClick={() => play(ordered, 0, { type: 'playlist', id: playlist.id })}>
                Play
              </button>
            )}
            {playlist.ownerId !== me.userId && state.status !== 'revoked' && state.status !== 'deleted' && <FollowButton target="playlists" id={playlist.id} name={name} />}
          </div>
        </div>
      </header>
      {state.status === 'revoked' && (
        <p class="banner error" role="alert">
          The owner removed you from this playlist: you can no longer see or change it.
        </p>
      )}
      {state.status === 'deleted' && (
        <p class="banner error" role="alert">
          This playlist was deleted by its owner.
        </p>
      )}
      {ended && !attached ? null : !attached && entries.length === 0 ? (
        <Loading label="Opening the playlist" />
      ) : entries.length === 0 ? (
        <Empty>{canWrite ? 'No songs yet: add some below.' : 'No songs yet.'}</Empty>
      ) : (
        <EntryList
          entries={entries}
          tracks={tracks}
          peers={state.peers}
          canWrite={canWrite}
          names={names}
          onMove={(entryId, index) => live?.move(entryId, index)}
          onRemove={(entry) => {
            live?.remove(entry.entryId);
            announce(`Removed ${tracks?.get(entry.trackId)?.title ?? 'the song'}`);
          }}
          onDragging={(entryId) => live?.setDragging(entryId)}
          {...(play ? { onPlay: (i: number) => play(ordered, ordered.indexOf(tracks!.get(entries[i]!.trackId)!), { type: 'playlist', id: playlist.id }) } : {})}
        />
      )}
      {canWrite && live && (
        <AddSongs
          onAdd={(trackId, title) => {
            live.add([trackId]);
            announce(`Added ${title}`);
          }}
        />
      )}
      {state.status !== 'revoked' && state.status !== 'deleted' && <Sharing playlist={playlist} me={me.userId} onChanged={onChanged} />}
    </>
  );
}

function NameField({ name, onRename }: { name: string; onRename: (name: string) => void }): JSX.Element {
  const [draft, setDraft] = useState<string | undefined>();
  const commit = () => {
    if (draft !== undefined && draft.trim()) onRename(draft);
    setDraft(undefined);
  };
  return (
    <h1 class="editable-title">
      <label for="playlist-name" class="visually-hidden">
        Playlist name
      </label>
      <input
        id="playlist-name"
        class="title-input"
        maxLength={200}
        value={draft ?? name}
        onFocus={() => setDraft(name)}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
            e.currentTarget.blur();
          } else if (e.key === 'Escape') {
            setDraft(undefined);
            e.currentTarget.blur();
          }
        }}
      />
    </h1>
  );
}

function DescriptionField({ description, onChange }: { description: string; onChange: (text: string) => void }): JSX.Element {
  const [draft, setDraft] = useState<string | undefined>();
  return (
    <>
      <label for="playlist-description" class="visually-hidden">
        Description
      </label>
      <input
        id="playlist-description"
        class="description-input"
        placeholder="Add a description"
        maxLength={1000}
        value={draft ?? description}
        onFocus={() => setDraft(description)}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onBlur={() => {
          if (draft !== undefined) onChange(draft);
          setDraft(undefined);
        }}
        onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
      />
    </>
  );
}
