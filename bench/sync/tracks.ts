/**
 * The tracks the benchmark's edits add: tracks of the demo catalog, which every Chorus node of the
 * run imports (CHORUS_DEMO_CATALOG=1), because the sync server refuses an entry whose track is not
 * in the catalog (domain/playlist/document-rules.ts). The stock server gets the same edits.
 */
import { demoCatalog } from '../../application/catalog/demo.js';

const ALL = demoCatalog().albums.flatMap((album) => album.tracks.map((track) => track.id));

export const BENCH_TRACKS: readonly string[] = ALL.slice(0, 997);

/** The catalog's last track, to wait for: the import appends in catalog order, so once a node's read model has it, it has them all. */
export const LAST_DEMO_TRACK = ALL[ALL.length - 1]!;
