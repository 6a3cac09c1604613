/**
 * A live playlist's entries. Editors reorder by dragging a row's handle, or with the keyboard on
 * the same handle (Arrow Up/Down one place, Home/End to the ends), and remove rows; everyone
 * sees who is dragging what.
 */
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Entry } from '../../../domain/playlist/document.js';
import type { Track } from '../api/types.js';
import { href } from '../router.js';
import { announce } from '../ui/announce.js';
import { duration, spokenDuration } from '../ui/format.js';
import { Icon } from '../ui/icons.js';
import type { Peer } from './live.js';
import { useReorder } from './reorder.js';

export interface EntryListProps {
  entries: readonly Entry[];
  tracks: ReadonlyMap<string, Track> | undefined;
  peers: readonly Peer[];
  canWrite: boolean;
  names: ReadonlyMap<string, string>;
  onMove(entryId: string, index: number): void;
  onRemove(entry: Entry): void;
  onDragging(entryId: string | undefined): void;
  onPlay?: (index: number) => void;
  playingEntry?: string;
}

export function EntryList(props: EntryListProps): JSX.Element {
  const { entries, tracks, peers, canWrite, names } = props;
  const list = useRef<HTMLOListElement>(null);
  const refocus = useRef<string | undefined>(undefined);
  const reorder = useReorder(() => list.current, props.onDragging, props.onMove);

  // Keyed rows move in the DOM when the order changes; keep the keyboard user's focus on the
  // handle of the entry they moved.
  useEffect(() => {
    if (!refocus.current) return;
    list.current?.querySelector<HTMLElement>(`[data-entry="${CSS.escape(refocus.current)}"] .drag-handle`)?.focus();
    refocus.current = undefined;
  });

  const titleOf = (entry: Entry) => tracks?.get(entry.trackId)?.title ?? 'this song';

  const keyMove = (event: KeyboardEvent, entry: Entry, index: number) => {
    const last = entries.length - 1;
    const target = event.key === 'ArrowUp' ? index - 1 : event.key === 'ArrowDown' ? index + 1 : event.key === 'Home' ? 0 : event.key === 'End' ? last : undefined;
    if (target === undefined) return;
    event.preventDefault();
    if (target < 0 || target > last || target === index) return;
    refocus.current = entry.entryId;
    props.onMove(entry.entryId, target);
    announce(`Moved ${titleOf(entry)} to position ${target + 1} of ${entries.length}`);
  };

  const drag = reorder.drag;
  return (
    <>
      {canWrite && (
        <p id="reorder-help" class="visually-hidden">
          Drag the handle to move a song, or focus it and use the arrow keys, Home and End.
        </p>
      )}
      <ol ref={list} class={drag ? 'tracks entries dragging' : 'tracks entries'} aria-label="Songs in this playlist">
        {entries.map((entry, index) => {
          const track = tracks?.get(entry.trackId);
          const title = track?.title ?? 'Loading…';
          const movers = peers.filter((p) => p.dragging === entry.entryId);
          const classes = ['track', 'entry'];
          if (drag?.entryId === entry.entryId) classes.push('being-dragged');
          if (drag && drag.slot === index && drag.slot !== drag.from && drag.slot !== drag.from + 1) classes.push('drop-before');
          if (drag && drag.slot === entries.length && index === entries.length - 1 && drag.from !== index) classes.push('drop-after');
          if (movers.length > 0) classes.push('moved-by-peer');
          if (props.playingEntry === entry.entryId) classes.push('playing');
          return (
            <li key={entry.entryId} data-entry={entry.entryId} class={classes.join(' ')}>
              {canWrite && (
                <button
                  type="button"
                  class="icon-button drag-handle"
                  aria-label={`Move ${title}, position ${index + 1} of ${entries.length}`}
                  aria-describedby="reorder-help"
                  onPointerDown={(e) => reorder.start(e, entry.entryId, index)}
                  onKeyDown={(e) => keyMove(e, entry, index)}
                >
                  <Icon name="drag" />
                </button>
              )}
              <span class="track-number" aria-hidden="true">
                {index + 1}
              </span>
              {props.onPlay && track && (
                <button type="button" class="icon-button track-play" onClick={() => props.onPlay?.(index)} aria-label={`Play ${title}`}>
                  <Icon name="play" />
                </button>
              )}
              <span class="track-main">
                <span class="track-title">{title}</span>
                {track && (
                  <a class="track-artist" href={href({ name: 'artist', id: track.artistId })}>
                    {track.artistName}
                  </a>
                )}
              </span>
              {track && (
                <a class="track-album" href={href({ name: 'album', id: track.albumId })}>
                  {track.albumTitle}
                </a>
              )}
              <span class="track-detail muted">
                {movers.length > 0 ? (
                  <span class={`peer-tag peer-${movers[0]!.color}`}>{movers.map((m) => m.name).join(', ')} moving this</span>
                ) : (
                  <>added by {names.get(entry.addedBy) ?? entry.addedBy}</>
                )}
              </span>
              <span class="track-duration">
                {track && (
                  <>
                    <span aria-hidden="true">{duration(track.durationMs)}</span>
                    <span class="visually-hidden">{spokenDuration(track.durationMs)}</span>
                  </>
                )}
              </span>
              {canWrite && (
                <span class="track-actions">
                  <button type="button" class="icon-button" aria-label={`Remove ${title} from this playlist`} onClick={() => props.onRemove(entry)}>
                    <Icon name="close" />
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </>
  );
}
