/** Where album covers are served (GET /v1/albums/:id/cover, no token needed). */
/** Cover URLs of albums seen in answers (albums, search, artists), for rows that only know the album id. */
const known = new Map<string, string>();

export function rememberCovers(albums: readonly { id: string; coverUrl?: string }[]): void {
  for (const a of albums) if (a.coverUrl) known.set(a.id, a.coverUrl);
}

/** Where the cover of `albumId` is served: known, or guessed for an album with audio (its files may hold art). */
export function coverOf(albumId: string, guess = false): string | undefined {
  return known.get(albumId) ?? (guess ? `/v1/albums/${encodeURIComponent(albumId)}/cover` : undefined);
}
