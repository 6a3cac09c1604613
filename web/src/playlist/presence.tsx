/** Who else has the playlist open, and whether this device is live, connecting or offline. */
import type { JSX } from 'preact';
import type { LiveStatus, Peer } from './live.js';

const STATUS: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  offline: 'Offline: changes are kept on this device',
  revoked: 'Access removed',
  deleted: 'Deleted',
};

export function LiveBadge({ status, unsynced }: { status: LiveStatus; unsynced: boolean }): JSX.Element {
  const text = status === 'connecting' && unsynced ? 'Reconnecting: your changes will be sent' : STATUS[status];
  return (
    <span class={`live-badge status-${status}`} role="status">
      {text}
    </span>
  );
}

export function Presence({ peers }: { peers: readonly Peer[] }): JSX.Element | null {
  // One chip per person, however many devices they have here.
  const people = [...new Map(peers.map((p) => [p.userId, p])).values()];
  if (people.length === 0) return null;
  return (
    <div class="presence">
      <span class="visually-hidden">Also here:</span>
      <ul aria-label="People here now">
        {people.map((p) => (
          <li key={p.userId} class={`avatar small peer-${p.color}`} title={p.name}>
            <span aria-hidden="true">{p.name.slice(0, 1).toUpperCase()}</span>
            <span class="visually-hidden">{p.name}</span>
          </li>
        ))}
      </ul>
      <span class="presence-names muted" aria-hidden="true">
        {people.map((p) => p.name).join(', ')} {people.length === 1 ? 'is' : 'are'} here
      </span>
    </div>
  );
}
