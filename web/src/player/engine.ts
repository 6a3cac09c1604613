/**
 * What sounds in this browser: one <audio> element that follows the shared player. When this
 * device is the active one it plays the current track at the shared position (native HLS where
 * the browser says it plays it, as Safari does; elsewhere hls.js on Media Source, loaded on
 * first play; the original file for lossless), at the quality chosen within what the plan
 * allows, its volume normalised from the track's recorded loudness. When another device takes
 * over, it stops.
 *
 * It reports what it played (POST /v1/me/plays, from 30 s or at the end) and tells the server
 * when a track ends so the next one starts everywhere at once.
 */
import type Hls from 'hls.js';
import { getTrack } from '../api/catalog.js';
import { ApiError, describeError } from '../api/http.js';
import { streamOffer } from '../api/player.js';
import { reportPlay } from '../api/social.js';
import type { Quality, Track } from '../api/types.js';
import { createStore } from '../store.js';
import { announce } from '../ui/announce.js';
import { command, deviceId, isActiveHere, positionNow, remote, trackEnded } from './remote.js';
import { loudnessGain, settings } from './settings.js';

export interface LocalState {
  /** The track loaded here (this device active), with its metadata once known. */
  track: Track | undefined;
  /** The quality playing, and its bitrate (bits per second). */
  quality: Quality | undefined;
  bitrate: number | undefined;
  /** The position the audio element is at (ms), while this device plays. */
  positionMs: number;
  /** The browser refused to start sound without a click: the play button starts it. */
  blocked: boolean;
  loading: boolean;
}

export const local = createStore<LocalState>({ track: undefined, quality: undefined, bitrate: undefined, positionMs: 0, blocked: false, loading: false });

/** A play counts from 30 s, as most services count. */
const COUNTS_FROM_MS = 30_000;
/** Further apart than this, the element seeks to the shared position. */
const DRIFT_MS = 1_500;

const audio = new Audio();
audio.preload = 'auto';
// In the page (hidden, without controls: the player bar is the interface), where tools can find it.
audio.hidden = true;
audio.id = 'chorus-audio';
document.body.append(audio);
let hls: Hls | undefined;
let loadedId: string | undefined;
let loadedQuality: string | undefined;
let reconciledVersion = -1;
let busy: Promise<void> | undefined;
let again = false;
let failures = 0;
/** The state version in which the loaded track ended here: nothing to do until the next state. */
let endedIn = -1;
/** What this device has played of the loaded track (ms of sound, not of position). */
let played = { trackId: '', ms: 0, since: 0, startedAt: '' };

export const audioElement = (): HTMLAudioElement => audio;

function patch(change: Partial<LocalState>): void {
  local.update((s) => ({ ...s, ...change }));
}

function applyVolume(): void {
  const { volume, normalise } = settings.get();
  const gain = normalise ? loudnessGain(local.get().track?.loudness?.integratedLufs) : 1;
  audio.volume = Math.max(0, Math.min(1, volume * gain));
}
settings.subscribe(applyVolume);

function unload(): void {
  hls?.destroy();
  hls = undefined;
  audio.removeAttribute('src');
  audio.load();
  loadedId = undefined;
  loadedQuality = undefined;
}

/** Reports the loaded track's play when it counts, then starts counting afresh. */
function flushPlay(ended = false): void {
  tick();
  const { trackId, ms, startedAt } = played;
  if (trackId && (ms >= COUNTS_FROM_MS || (ended && ms > 0))) {
    const context = remote.get().view?.context;
    const type = context && ['playlist', 'album', 'artist'].includes(context.type) ? (context.type as 'playlist' | 'album' | 'artist') : undefined;
    void reportPlay({ trackId, msPlayed: Math.round(ms), playedAt: startedAt, deviceId, ...(type ? { context: { type, id: context!.id } } : {}) }).catch(() => undefined);
  }
  played = { trackId: '', ms: 0, since: 0, startedAt: '' };
}

function tick(): void {
  if (played.since && !audio.paused) {
    const now = performance.now();
    played.ms += now - played.since;
    played.since = now;
  }
}

/** How this browser plays HLS: natively (Safari, and Chromium builds that say so), or through hls.js on Media Source. */
function hlsPath(element: HTMLMediaElement = audio): 'native' | 'hls.js' {
  return element.canPlayType('application/vnd.apple.mpegurl') !== '' ? 'native' : 'hls.js';
}

async function attach(offerUrl: string, hlsUrl: string, quality: Quality, bitrate: number): Promise<void> {
  hls?.destroy();
  hls = undefined;
  if (quality === 'lossless') {
    audio.src = offerUrl;
    return;
  }
  if (hlsPath() === 'native') {
    // The browser plays HLS itself (no hls.js download): the master playlist, whose levels it
    // chooses among; a quality the listener chose is the progressive file of that quality.
    audio.src = settings.get().quality === 'auto' ? hlsUrl : offerUrl;
    return;
  }
  // The light build: no subtitles, alternate audio or DRM, which audio playlists never use.
  const { default: HlsClass } = await import('hls.js/light');
  if (!HlsClass.isSupported()) {
    // Neither native HLS nor Media Source: the progressive file.
    audio.src = offerUrl;
    return;
  }
  // No worker: the page's policy allows scripts from this origin only, not blob: workers.
  const player = new HlsClass({ enableWorker: false, startPosition: -1 });
  hls = player;
  player.loadSource(hlsUrl);
  player.attachMedia(audio);
  if (settings.get().quality !== 'auto') {
    // A chosen quality: the level nearest its bitrate, kept.
    player.once(HlsClass.Events.MANIFEST_PARSED, (_event, data) => {
      let best = 0;
      data.levels.forEach((level, i) => {
        if (Math.abs(level.bitrate - bitrate) < Math.abs(data.levels[best]!.bitrate - bitrate)) best = i;
      });
      player.currentLevel = best;
    });
  }
  player.on(HlsClass.Events.ERROR, (_event, data) => {
    if (data.fatal) announce(`Playback failed: ${data.details}`, 'error');
  });
}

async function load(trackId: string): Promise<boolean> {
  flushPlay();
  patch({ loading: true, blocked: false });
  const chosen = settings.get().quality;
  try {
    const [offer, track] = await Promise.all([streamOffer(trackId, chosen === 'auto' ? undefined : chosen), getTrack(trackId).catch(() => undefined)]);
    await attach(offer.url, offer.hls, offer.quality, offer.bitrate);
    loadedId = trackId;
    loadedQuality = chosen;
    failures = 0;
    patch({ track, quality: offer.quality, bitrate: offer.bitrate, loading: false });
    applyVolume();
    return true;
  } catch (error) {
    patch({ loading: false });
    unload();
    const track = await getTrack(trackId).catch(() => undefined);
    const name = track ? `“${track.title}”` : 'This song';
    failures += 1;
    if (error instanceof ApiError && (error.code === 'TRACK_HAS_NO_AUDIO' || error.code === 'TRACK_UNAVAILABLE_IN_REGION' || error.code === 'TRACK_NOT_FOUND')) {
      const why = error.code === 'TRACK_UNAVAILABLE_IN_REGION' ? 'is not available in your country' : 'has no audio on this server';
      // Skip it (a few times at most: a list with no audio at all stops).
      if (failures <= 5) {
        announce(`${name} ${why}: skipping it.`, 'error');
        await command({ type: 'next' });
      } else {
        announce(`${name} ${why}.`, 'error');
        await command({ type: 'pause' });
      }
    } else {
      announce(`${name} cannot be played: ${describeError(error)}`, 'error');
    }
    return false;
  }
}

/** Makes the element do what the shared player says (one pass at a time; the last change wins). */
export function reconcile(): void {
  if (busy) {
    again = true;
    return;
  }
  busy = follow().finally(() => {
    busy = undefined;
    if (again) {
      again = false;
      reconcile();
    }
  });
}

async function follow(): Promise<void> {
  const state = remote.get();
  const view = state.view;
  if (!view || !isActiveHere(view) || !view.trackId) {
    if (!audio.paused) audio.pause();
    if (!view?.trackId && loadedId) {
      flushPlay();
      unload();
      patch({ track: undefined, quality: undefined, bitrate: undefined, positionMs: 0 });
    }
    return;
  }
  if (view.version === endedIn && view.trackId === loadedId) return;
  const fresh = loadedId !== view.trackId || loadedQuality !== settings.get().quality;
  if (fresh && !(await load(view.trackId))) return;
  const now = remote.get();
  if (now.view !== view) return void (again = true);
  if (fresh || view.version !== reconciledVersion) {
    reconciledVersion = view.version;
    const target = positionNow(now) / 1000;
    if (fresh || Math.abs(audio.currentTime - target) * 1000 > DRIFT_MS) audio.currentTime = target;
  }
  if (view.isPlaying && audio.paused) {
    try {
      await audio.play();
      patch({ blocked: false });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'NotAllowedError') patch({ blocked: true });
    }
  } else if (!view.isPlaying && !audio.paused) {
    audio.pause();
  }
}

/** The browser refused to start sound on its own: a click on play starts it here. */
export function unblock(): void {
  patch({ blocked: false });
  void audio.play().catch(() => patch({ blocked: true }));
}

/** Seeks here at once (the shared state follows from the command). */
export function seekLocally(ms: number): void {
  if (loadedId) audio.currentTime = ms / 1000;
  patch({ positionMs: ms });
}

audio.addEventListener('playing', () => {
  if (!played.trackId && loadedId) played = { trackId: loadedId, ms: 0, since: performance.now(), startedAt: new Date().toISOString() };
  else played.since = performance.now();
});
audio.addEventListener('pause', () => {
  tick();
  played.since = 0;
});
audio.addEventListener('timeupdate', () => {
  tick();
  if (isActiveHere(remote.get().view)) patch({ positionMs: Math.round(audio.currentTime * 1000) });
});
audio.addEventListener('ended', () => {
  flushPlay(true);
  endedIn = remote.get().view?.version ?? -1;
  trackEnded();
});
addEventListener('pagehide', () => flushPlay());

remote.subscribe(reconcile);
settings.subscribe(() => {
  if (loadedId && loadedQuality !== settings.get().quality) reconcile();
});
