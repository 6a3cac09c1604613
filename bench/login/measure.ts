/**
 * Sign-in time as a client sees it: `POST /v1/auth/login` round trips, one after another, against
 * a running server (bench/subsonic reports it beside the Subsonic figures with this function).
 */
import { summarize, type LatencySummary } from '../lib/stats.js';

export async function measureLogin(baseUrl: string, credentials: { username: string; password: string }, count = 30): Promise<LatencySummary> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    const response = await fetch(`${baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`login answered ${response.status}`);
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}
