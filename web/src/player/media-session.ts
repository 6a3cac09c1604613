/**
 * Lock-screen and headset controls (Media Session API): what plays (title, artist, album, cover)
 * and the actions play, pause, previous, next and seek, all sent to the shared player.
 */
import { coverOf } from '../api/covers.js';
import type { Track } from '../api/types.js';
import { local, seekLocally } from './engine.js';
import { command, deviceId, positionNow, remote } from './remote.js';

const SIZES = [96, 256, 512];

function describe(track: Track | undefined): void {
  const session = navigator.mediaSession;
  if (!track) {
    session.metadata = null;
    return;
  }
  const cover = coverOf(track.albumId, track.playable === true);
  session.metadata = new MediaMetadata({
    title: track.title,
    artist: track.artistName,
    album: track.albumTitle,
    artwork: cover ? SIZES.map((size) => ({ src: `${cover}${cover.includes('?') ? '&' : '?'}size=${size}`, sizes: `${size}x${size}` })) : [],
  });
}

function seekTo(ms: number): void {
  seekLocally(ms);
  void command({ type: 'seek', positionMs: Math.max(0, Math.round(ms)) });
}

export function startMediaSession(): void {
  if (!('mediaSession' in navigator)) return;
  const session = navigator.mediaSession;
  const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
    ['play', () => void command({ type: 'play', deviceId })],
    ['pause', () => void command({ type: 'pause' })],
    ['previoustrack', () => void command({ type: 'previous' })],
    ['nexttrack', () => void command({ type: 'next' })],
    ['seekto', (details) => details.seekTime !== undefined && seekTo(details.seekTime * 1000)],
    ['seekbackward', (details) => seekTo(Math.max(0, positionNow() - (details.seekOffset ?? 10) * 1000))],
    ['seekforward', (details) => seekTo(positionNow() + (details.seekOffset ?? 10) * 1000)],
  ];
  for (const [action, handler] of handlers) {
    try {
      session.setActionHandler(action, handler);
    } catch {
      // An action this browser does not offer.
    }
  }
  let shown: Track | undefined;
  local.subscribe(() => {
    const { track, positionMs } = local.get();
    if (track !== shown) {
      shown = track;
      describe(track);
    }
    const playing = remote.get().view?.isPlaying ?? false;
    session.playbackState = track ? (playing ? 'playing' : 'paused') : 'none';
    if (track && track.durationMs > 0) {
      try {
        session.setPositionState({ duration: track.durationMs / 1000, position: Math.min(positionMs, track.durationMs) / 1000, playbackRate: 1 });
      } catch {
        // A position past the duration: skipped.
      }
    }
  });
}
