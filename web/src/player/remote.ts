/**
 * The player every device of the user shares, as this browser sees it: the latest state (from
 * command answers, the player socket `WS /v1/sync/player`, or, where the server has no socket,
 * a poll every few seconds), this browser's device id, and the device list.
 *
 * A state replaces the one shown only when it is not older (`version`), so a late answer never
 * undoes a newer change. Commands go over HTTP carrying the version shown (`stateVersion`): a
 * "next" pressed against an older state changes nothing.
 */
import { getDevices, getPlayer, registerDevice, sendCommand, type DeviceView, type PlayerCommand, type PlayerView } from '../api/player.js';
import { describeError } from '../api/http.js';
import { session } from '../session.js';
import { createStore } from '../store.js';
import { announce } from '../ui/announce.js';

export interface RemoteState {
  view: PlayerView | undefined;
  /** Date.now() when `view` arrived: a playing position advances from there. */
  receivedAt: number;
  devices: DeviceView[];
  /** How changes made elsewhere reach this page. */
  link: 'socket' | 'polling' | 'connecting';
}

export const remote = createStore<RemoteState>({ view: undefined, receivedAt: 0, devices: [], link: 'connecting' });

const DEVICE_KEY = 'chorus.device';

/** This browser's device id: made once, kept in localStorage. */
export const deviceId: string = (() => {
  const kept = localStorage.getItem(DEVICE_KEY);
  if (kept && /^web-[0-9a-f-]{8,64}$/.test(kept)) return kept;
  const made = `web-${crypto.randomUUID()}`;
  localStorage.setItem(DEVICE_KEY, made);
  return made;
})();

/** "Chrome on Linux", from the user agent. */
export function deviceName(agent = navigator.userAgent): string {
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox' : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : 'Browser';
  const system = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Mac OS X/.test(agent) ? 'macOS' : /Windows/.test(agent) ? 'Windows' : /Linux/.test(agent) ? 'Linux' : '';
  return system ? `${browser} on ${system}` : browser;
}

/** The playing position now (ms), moving on from when the state arrived while it plays. */
export function positionNow(state: RemoteState = remote.get(), now = Date.now()): number {
  const view = state.view;
  if (!view) return 0;
  return view.isPlaying ? view.positionMs + Math.max(0, now - state.receivedAt) : view.positionMs;
}

export const isActiveHere = (view: PlayerView | undefined): boolean => view?.device?.id === deviceId;

/** Shows `view` unless a newer one is shown already. */
export function receive(view: PlayerView): void {
  const shown = remote.get().view;
  if (shown && shown.version > view.version) return;
  remote.update((s) => ({ ...s, view, receivedAt: Date.now() }));
}

/** Sends a command; the answer's state is shown. Errors are announced and resolve to undefined. */
export async function command(c: PlayerCommand): Promise<PlayerView | undefined> {
  try {
    const outcome = await sendCommand(c, deviceId, remote.get().view?.version);
    receive(outcome.player);
    return outcome.player;
  } catch (error) {
    announce(describeError(error), 'error');
    return undefined;
  }
}

export async function refreshDevices(): Promise<DeviceView[]> {
  const devices = await getDevices();
  remote.update((s) => ({ ...s, devices }));
  return devices;
}

const POLL_MS = 3_000;
let socket: WebSocket | undefined;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryMs = 1_000;
let started = false;

function socketUrl(token: string): string {
  const base = new URL('/v1/sync/player', location.href);
  base.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  base.search = new URLSearchParams({ token, deviceId }).toString();
  return base.toString();
}

function setLink(link: RemoteState['link']): void {
  if (remote.get().link !== link) remote.update((s) => ({ ...s, link }));
}

function poll(): void {
  if (document.visibilityState !== 'visible' || !session.get()) return;
  getPlayer().then(receive, () => undefined);
}

function startPolling(): void {
  setLink('polling');
  clearInterval(pollTimer);
  pollTimer = setInterval(poll, POLL_MS);
}

/** Messages of the player socket: `state` carries the player; others are not needed here. */
function onMessage(event: MessageEvent): void {
  if (typeof event.data !== 'string') return;
  try {
    const message = JSON.parse(event.data) as { type?: string; player?: PlayerView };
    if (message.type === 'state' && message.player) receive(message.player);
  } catch {
    // Not ours to handle.
  }
}

function connect(): void {
  const token = session.get()?.accessToken;
  if (!token || socket) return;
  let opened = false;
  const ws = new WebSocket(socketUrl(token));
  socket = ws;
  ws.onopen = () => {
    opened = true;
    retryMs = 1_000;
    clearInterval(pollTimer);
    setLink('socket');
    poll();
  };
  ws.onmessage = onMessage;
  ws.onclose = (event) => {
    socket = undefined;
    if (!started) return;
    if (event.code === 4403) {
      // This device was removed from the account: final. The page still shows what plays (polling).
      announce('This browser was removed from your devices: it shows what plays elsewhere but does not play.', 'error');
      startPolling();
      return;
    }
    // Refused at the upgrade (no player socket on this server, or a token to renew): poll, and try the socket again later.
    if (!opened || event.code !== 1000) startPolling();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, opened ? retryMs : 30_000);
    retryMs = Math.min(retryMs * 2, 15_000);
  };
}

/** Once signed in: register this device, read the state, follow it. */
export function startRemote(): void {
  if (started) return;
  started = true;
  void getPlayer().then(receive, (error: unknown) => announce(`The player is not available: ${describeError(error)}`, 'error'));
  startPolling();
  // The socket takes registered devices only.
  void registerDevice(deviceId, deviceName()).then(connect, () => undefined);
  document.addEventListener('visibilitychange', poll);
}

export function stopRemote(): void {
  started = false;
  clearInterval(pollTimer);
  clearTimeout(retryTimer);
  socket?.close(1000);
  socket = undefined;
  document.removeEventListener('visibilitychange', poll);
  remote.set({ view: undefined, receivedAt: 0, devices: [], link: 'connecting' });
}

/** Sends `ended` over the socket when it is open (the server then moves on once), else `next` over HTTP. */
export function trackEnded(): void {
  const version = remote.get().view?.version;
  if (socket?.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: 'command', command: { type: 'ended', ...(version === undefined ? {} : { stateVersion: version }) } }));
    return;
  }
  void command({ type: 'ended' });
}
