/**
 * The shape of every id Chorus takes from outside (users, playlists, tracks, albums, artists):
 * 1-128 letters, digits or `_.:@-`, not starting with a symbol. Written once: the deciders, the
 * HTTP schemas, token subjects, Subsonic names and the sync server's URLs all use it.
 */

/** The pattern without anchors, for schemas that compose it (`^${ID_SOURCE}(,${ID_SOURCE})*$`). */
export const ID_SOURCE = '[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}';

export const ID_PATTERN = new RegExp(`^${ID_SOURCE}$`);

/** Whether `value` is an id. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
