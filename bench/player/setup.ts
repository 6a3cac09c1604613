/**
 * The fixture, made through Chorus's HTTP API: users with dev tokens (as the sync benchmark makes
 * them), each with its devices registered and the player loaded (four demo tracks on repeat,
 * playing on the first device), so that every command of the run changes the state.
 */
import { api } from '../http/workload.js';
import { sleep } from '../lib/timing.js';

/** Tracks of the demo catalog (CHORUS_DEMO_CATALOG on the first node). */
export const TRACKS = ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3', 'demo-track-0-4'];

export interface BenchUser {
  userId: string;
  token: string;
  deviceIds: string[];
}

export async function prepareUsers(url: string, users: number, devices: number, concurrency = 16): Promise<BenchUser[]> {
  const out = new Array<BenchUser>(users);
  await parallel(users, concurrency, async (i) => {
    const userId = `bench-player-${i}`;
    const { token } = await api<{ token: string }>(url, 'POST', '/v1/auth/dev-token', undefined, { userId, displayName: `Player ${i}` });
    const deviceIds = Array.from({ length: devices }, (_, d) => `bench-device-${d}`);
    for (const [d, deviceId] of deviceIds.entries()) {
      await api(url, 'PUT', `/v1/me/player/devices/${deviceId}`, token, { name: `Device ${d}`, type: d === 0 ? 'computer' : 'smartphone' });
    }
    // The catalog read model may not hold the demo tracks yet right after the start (TRACK_NOT_FOUND): try again.
    await retry(() => api(url, 'PUT', '/v1/me/player/play', token, { deviceId: deviceIds[0], trackIds: TRACKS }));
    await api(url, 'PUT', '/v1/me/player/repeat', token, { repeat: 'context' });
    out[i] = { userId, token, deviceIds };
  });
  return out;
}

async function parallel(count: number, workers: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(workers, count) }, worker));
}

async function retry<T>(work: () => Promise<T>, attempts = 100): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(100);
    }
  }
}
