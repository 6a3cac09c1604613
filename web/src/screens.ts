/**
 * The client's screens by their first path segment: `/search`, `/album/<id>`, ... The server
 * answers each with the client's page (http/web.ts keeps the same lists; a test compares them).
 */
export const SCREENS = ['search', 'playlists', 'charts', 'friends', 'browse', 'signin'] as const;
export const SCREENS_WITH_ID = ['album', 'artist', 'playlist', 'user', 'genre'] as const;
