/**
 * The player bar at the bottom of every screen: what plays and where, previous / play-pause /
 * next, the position (a slider: drag, click, or arrow keys), the volume, and the queue, devices
 * and playback settings panels.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getTrack } from '../api/catalog.js';
import type { Track } from '../api/types.js';
import { href } from '../router.js';
import { useStore } from '../store.js';
import { Cover, coverOf } from '../ui/cover.js';
import { duration, spokenDuration } from '../ui/format.js';
import { Icon } from '../ui/icons.js';
import { DevicePicker } from './device-picker.js';
import { local, seekLocally, unblock } from './engine.js';
import { QueuePanel } from './queue-panel.js';
import { command, deviceId, isActiveHere, positionNow, remote } from './remote.js';
import { PlaybackSettingsPanel } from './settings-panel.js';
import './player.css';
import { changeSettings, settings } from './settings.js';

/** The track with id `id`, once known. */
export function useTrack(id: string | null | undefined): Track | undefined {
  const [track, setTrack] = useState<Track | undefined>();
  useEffect(() => {
    let live = true;
    if (!id) setTrack(undefined);
    else getTrack(id).then((t) => live && setTrack(t), () => live && setTrack(undefined));
    return () => {
      live = false;
    };
  }, [id]);
  return track;
}

/** Re-renders every `ms` while `on`. */
function useTicker(on: boolean, ms = 500): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [on, ms]);
}

type Panel = 'queue' | 'devices' | 'settings' | undefined;

export function PlayerBar(): JSX.Element {
  const state = useStore(remote);
  const here = useStore(local);
  const prefs = useStore(settings);
  const view = state.view;
  const active = isActiveHere(view);
  const track = useTrack(view?.trackId);
  const [panel, setPanel] = useState<Panel>();
  const [dragging, setDragging] = useState<number | undefined>();
  useTicker(Boolean(view?.isPlaying));

  const total = track?.durationMs ?? 0;
  const position = dragging ?? Math.min(total || Infinity, active && here.track ? here.positionMs : positionNow(state));
  const toggle = (p: Panel) => setPanel((open) => (open === p ? undefined : p));

  const playPause = () => {
    if (!view?.trackId) return;
    if (active && here.blocked) return unblock();
    if (view.isPlaying) void command({ type: 'pause' });
    else void command({ type: 'play', ...(view.device ? {} : { deviceId }) });
  };
  const seek = (ms: number) => {
    setDragging(undefined);
    seekLocally(ms);
    void command({ type: 'seek', positionMs: Math.round(ms) });
  };

  return (
    <section class="player" aria-label="Player">
      <div class="player-now">
        {track ? (
          <>
            <Cover albumId={track.albumId} title={track.albumTitle} size="small" src={coverOf(track.albumId, track.playable === true)} />
            <span class="player-text">
              <a class="player-title" href={href({ name: 'album', id: track.albumId })}>
                {track.title}
              </a>
              <a class="player-artist" href={href({ name: 'artist', id: track.artistId })}>
                {track.artistName}
              </a>
            </span>
          </>
        ) : (
          <span class="player-text muted">{view?.trackId ? 'Loading…' : 'Nothing playing'}</span>
        )}
      </div>
      <div class="player-center">
        <div class="player-controls">
          <button type="button" class="icon-button" aria-label="Previous" disabled={!view?.trackId} onClick={() => void command({ type: 'previous' })}>
            <Icon name="previous" />
          </button>
          <button type="button" class="icon-button play-button" aria-label={view?.isPlaying && !(active && here.blocked) ? 'Pause' : 'Play'} disabled={!view?.trackId} onClick={playPause}>
            <Icon name={view?.isPlaying && !(active && here.blocked) ? 'pause' : 'play'} size={24} />
          </button>
          <button type="button" class="icon-button" aria-label="Next" disabled={!view?.trackId} onClick={() => void command({ type: 'next' })}>
            <Icon name="next" />
          </button>
        </div>
        <div class="player-seek">
          <span class="time" aria-hidden="true">
            {duration(position)}
          </span>
          <input
            type="range"
            class="seek"
            aria-label="Position"
            aria-valuetext={`${spokenDuration(position)} of ${spokenDuration(total)}`}
            min={0}
            max={Math.max(total, 1)}
            step={1000}
            value={Math.round(position)}
            disabled={!view?.trackId || total === 0}
            onInput={(e) => setDragging(Number(e.currentTarget.value))}
            onChange={(e) => seek(Number(e.currentTarget.value))}
          />
          <span class="time" aria-hidden="true">
            {duration(total)}
          </span>
        </div>
        {view?.device && !active && (
          <p class="player-elsewhere">
            <Icon name="devices" size={16} /> Playing on {view.device.name}
          </p>
        )}
        {active && here.blocked && (
          <p class="player-elsewhere" role="status">
            Press play to start the sound in this browser.
          </p>
        )}
      </div>
      <div class="player-side">
        <button type="button" class="icon-button" aria-label="Queue" aria-expanded={panel === 'queue'} aria-controls="player-panel" onClick={() => toggle('queue')}>
          <Icon name="queue" />
        </button>
        <button type="button" class="icon-button" aria-label="Devices" aria-expanded={panel === 'devices'} aria-controls="player-panel" onClick={() => toggle('devices')}>
          <Icon name="devices" />
        </button>
        <button type="button" class="icon-button" aria-label="Playback settings" aria-expanded={panel === 'settings'} aria-controls="player-panel" onClick={() => toggle('settings')}>
          <Icon name="volume" />
        </button>
        <input
          type="range"
          class="volume"
          aria-label="Volume"
          min={0}
          max={100}
          step={5}
          value={Math.round(prefs.volume * 100)}
          onInput={(e) => changeSettings({ volume: Number(e.currentTarget.value) / 100 })}
        />
      </div>
      {panel && (
        <div
          id="player-panel"
          class="player-panel"
          onKeyDown={(e) => e.key === 'Escape' && setPanel(undefined)}
          role="region" aria-label={panel === 'queue' ? 'Queue' : panel === 'devices' ? 'Devices' : 'Playback settings'}>
          <button type="button" class="icon-button panel-close" aria-label="Close" onClick={() => setPanel(undefined)}>
            <Icon name="close" />
          </button>
          {panel === 'queue' && <QueuePanel />}
          {panel === 'devices' && <DevicePicker />}
          {panel === 'settings' && <PlaybackSettingsPanel />}
        </div>
      )}
    </section>
  );
}
