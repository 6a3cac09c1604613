/** The devices of the user: which one plays, and a button to move playback to each of the others. */
import type { JSX } from 'preact';
import { useStore } from '../store.js';
import { useResource } from '../ui/resource.js';
import { ErrorMessage, Loading } from '../ui/status.js';
import { command, deviceId, refreshDevices, remote } from './remote.js';

export function DevicePicker(): JSX.Element {
  const view = useStore(remote).view;
  const devices = useResource(() => refreshDevices(), [view?.device?.id]);
  if (devices.error) return <ErrorMessage error={devices.error} retry={devices.reload} />;
  if (!devices.data) return <Loading label="Looking for your devices" />;
  const list = [...devices.data].sort((a, b) => Number(b.id === deviceId) - Number(a.id === deviceId) || Number(a.inactive) - Number(b.inactive));
  return (
    <>
      <h2>Play on</h2>
      <ul class="devices">
        {list.map((d) => {
          const name = d.id === deviceId ? `This browser (${d.name})` : d.name;
          const activeHere = view?.device?.id === d.id;
          return (
            <li key={d.id} class={d.inactive ? 'device inactive' : 'device'}>
              {activeHere ? (
                <span class="device-current" aria-current="true">
                  {name} <span class="muted">· {view?.isPlaying ? 'playing' : 'paused'}</span>
                </span>
              ) : (
                <button type="button" class="button secondary small" onClick={() => void command({ type: 'transfer', deviceId: d.id, play: view?.isPlaying ?? false })}>
                  Play on {name}
                </button>
              )}
              {d.inactive && <span class="muted"> (not seen lately)</span>}
            </li>
          );
        })}
      </ul>
    </>
  );
}
