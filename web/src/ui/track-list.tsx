/**
 * A list of tracks: position, title and artist, album, length, and what can be done with each
 * (play when a player is given, add to a playlist). Screens that edit a playlist render their
 * own rows (playlist/entry-row.tsx).
 */
import type { ComponentChildren, JSX } from 'preact';
import type { Track } from '../api/types.js';
import { addToQueue } from '../player/play.js';
import { href } from '../router.js';
import { chooseTargetPlaylist } from './add-to-playlist.js';
import { Cover, coverOf } from './cover.js';
import { duration, spokenDuration } from './format.js';
import { Icon } from './icons.js';

export interface TrackListProps {
  tracks: readonly Track[];
  /** Label of the list, for screen readers ("Tracks of <album>"). */
  label: string;
  /** Plays the list from track `index`; without it, no play buttons. */
  onPlay?: (index: number) => void;
  /** The id of the track playing now, marked in the list. */
  playingId?: string;
  showAlbum?: boolean;
  showCover?: boolean;
  /** Extra text per row (plays in a chart, when a friend played it). */
  detail?: (track: Track, index: number) => ComponentChildren;
}

export function TrackList({ tracks, label, onPlay, playingId, showAlbum = true, showCover = true, detail }: TrackListProps): JSX.Element {
  return (
    <ol class="tracks" aria-label={label}>
      {tracks.map((track, index) => (
        <li key={`${track.id}-${index}`} class={track.id === playingId ? 'track playing' : 'track'}>
          <span class="track-number" aria-hidden="true">
            {index + 1}
          </span>
          {onPlay && (
            <button type="button" class="icon-button track-play" onClick={() => onPlay(index)} aria-label={`Play ${track.title} by ${track.artistName}`}>
              <Icon name="play" />
            </button>
          )}
          {showCover && <Cover albumId={track.albumId} title={track.albumTitle} size="small" src={coverOf(track.albumId, track.playable === true)} />}
          <span class="track-main">
            <span class="track-title">{track.title}</span>
            <a class="track-artist" href={href({ name: 'artist', id: track.artistId })}>
              {track.artistName}
            </a>
          </span>
          {showAlbum && (
            <a class="track-album" href={href({ name: 'album', id: track.albumId })}>
              {track.albumTitle}
            </a>
          )}
          {detail && <span class="track-detail">{detail(track, index)}</span>}
          <span class="track-duration">
            <span aria-hidden="true">{duration(track.durationMs)}</span>
            <span class="visually-hidden">{spokenDuration(track.durationMs)}</span>
          </span>
          <TrackActions track={track} />
        </li>
      ))}
    </ol>
  );
}

export function TrackActions({ track }: { track: Track }): JSX.Element {
  return (
    <span class="track-actions">
      <button type="button" class="icon-button" onClick={() => void addToQueue(track)} aria-label={`Add ${track.title} to the queue`}>
        <Icon name="queue" />
      </button>
      <button type="button" class="icon-button" onClick={() => chooseTargetPlaylist([track.id], track.title)} aria-label={`Add ${track.title} to a playlist`}>
        <Icon name="add" />
      </button>
    </span>
  );
}
