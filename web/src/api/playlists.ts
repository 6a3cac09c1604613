/** Playlists over HTTP: mine, one, create, change, delete, collaborators, items from elsewhere. */
import { api, query, seg } from './client.js';
import type { Page, Playlist, PlaylistSummary } from './types.js';

export const myPlaylists = (signal?: AbortSignal) => api.get<Page<PlaylistSummary>>(`/v1/me/playlists${query({ limit: 50 })}`, signal);

export const getPlaylist = (id: string, options: { after?: string; signal?: AbortSignal } = {}) =>
  api.get<Playlist>(`/v1/playlists/${seg(id)}${query({ after: options.after })}`, options.signal);

export interface PlaylistSettings {
  name?: string;
  description?: string;
  public?: boolean;
  collaborative?: boolean;
}

export const createPlaylist = (settings: PlaylistSettings & { name: string }) => api.post<Playlist & { position?: string }>('/v1/playlists', settings);
export const changePlaylist = (id: string, settings: PlaylistSettings) => api.patch<{ id: string; position?: string }>(`/v1/playlists/${seg(id)}`, settings);
export const deletePlaylist = (id: string) => api.delete<void>(`/v1/playlists/${seg(id)}`);

export const setCollaborator = (id: string, userId: string, role: 'editor' | 'viewer') =>
  api.put<{ position?: string }>(`/v1/playlists/${seg(id)}/collaborators/${seg(userId)}`, { role });
export const removeCollaborator = (id: string, userId: string) => api.delete<{ position?: string }>(`/v1/playlists/${seg(id)}/collaborators/${seg(userId)}`);

/** Adds tracks at the end of a playlist that is not open here (an open one is edited live). */
export const addTracks = (id: string, trackIds: string[]) => api.post<{ entryIds: string[] }>(`/v1/playlists/${seg(id)}/items`, { trackIds });

export function canEdit(p: Pick<PlaylistSummary, 'role' | 'collaborative'>): boolean {
  return p.role === 'owner' || (p.role === 'editor' && p.collaborative);
}

export function roleIn(p: Playlist, userId: string): PlaylistSummary['role'] | undefined {
  if (p.ownerId === userId) return 'owner';
  return p.collaborators.find((c) => c.userId === userId)?.role;
}
