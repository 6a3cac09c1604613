/** The signed-in user, people they follow, the friend feed, charts and recent plays. */
import { api, query, seg } from './client.js';
import type { Activity, ChartEntry, FollowUser, Me, Page, RecentPlay } from './types.js';

export const getMe = (signal?: AbortSignal) => api.get<Me>('/v1/me', signal);

export const getFeed = (signal?: AbortSignal) => api.get<Page<Activity>>(`/v1/me/feed${query({ limit: 50 })}`, signal);

export const getRecentPlays = (signal?: AbortSignal) => api.get<Page<RecentPlay>>(`/v1/me/plays/recent${query({ limit: 20 })}`, signal);

export type ChartWindow = 'day' | 'week' | 'all';
export const getChart = (window: ChartWindow, limit = 50, signal?: AbortSignal) =>
  api.get<Page<ChartEntry>>(`/v1/charts/tracks${query({ window, limit })}`, signal);

export const getFollowers = (userId: string, signal?: AbortSignal) => api.get<Page<FollowUser>>(`/v1/users/${seg(userId)}/followers${query({ limit: 50 })}`, signal);
export const getFollowing = (userId: string, signal?: AbortSignal) => api.get<Page<FollowUser>>(`/v1/users/${seg(userId)}/following${query({ limit: 50 })}`, signal);

export type FollowTarget = 'users' | 'artists' | 'playlists';
/** Follows or unfollows; resolves to the position of the write (for `?after=`). */
export async function setFollowing(target: FollowTarget, id: string, follow: boolean): Promise<string | undefined> {
  const path = `/v1/me/following/${target}/${seg(id)}`;
  const answer = follow ? await api.put<Written>(path) : await api.delete<Written>(path);
  return answer.position;
}

export interface Written {
  position?: string;
}

export interface PlayReport {
  trackId: string;
  msPlayed: number;
  playedAt: string;
  context?: { type: string; id?: string };
  deviceId?: string;
}
export const reportPlay = (play: PlayReport) => api.post<{ eventId: string; position: string }>('/v1/me/plays', play);

/** Whether I follow each of `ids` (users, artists or playlists), in order. */
export const followsEach = (target: FollowTarget, ids: string[], signal?: AbortSignal) =>
  api.get<{ items: boolean[] }>(`/v1/me/following/contains${query({ type: target, ids: ids.join(',') })}`, signal).then((r) => r.items);

export const getUser = (userId: string, options: { after?: string; signal?: AbortSignal } = {}) =>
  api.get<Me>(`/v1/users/${seg(userId)}${query({ after: options.after })}`, options.signal);
