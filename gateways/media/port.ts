/**
 * The media store: where originals, renditions and cover images live. Keys are relative paths
 * (`tracks/<trackId>/<version>/aac-128.m4a`); a file appears whole or not at all, never half
 * written, so a reader (or a crash) never sees a partial rendition.
 *
 * Adapters: a folder (folder.ts); an S3-compatible bucket would implement the same port.
 * tests/contract/media-store.contract.ts is the suite every adapter passes.
 */
import { isId } from '../../domain/shared/ids.js';

export interface StoredFile {
  key: string;
  bytes: number;
  /** `sha256:<hex>` of the content. */
  checksum: string;
}

export interface MediaStat {
  bytes: number;
  modifiedAt: Date;
}

export interface MediaStore {
  /** What and where, for the start-up log. */
  readonly description: string;
  /**
   * Stores the local file `source` under `key`, atomically. With `move`, the source is taken
   * (renamed when it is on the store's file system) instead of copied.
   */
  putFile(key: string, source: string, options?: { move?: boolean }): Promise<StoredFile>;
  /** Stores `bytes` under `key`, atomically. */
  putBytes(key: string, bytes: Uint8Array): Promise<StoredFile>;
  /** Size and time of `key`, or undefined when it is not there. */
  stat(key: string): Promise<MediaStat | undefined>;
  /** The content of a small file (playlists, manifests, images). Undefined when absent. */
  read(key: string): Promise<Buffer | undefined>;
  /** A local path a web server may send `key` from (undefined for a store that has none). */
  localPath(key: string): string | undefined;
  /** Keys under `prefix` (a folder, no trailing slash), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes `key`, or everything under it when it is a folder. Absent keys are fine. */
  remove(key: string): Promise<void>;
  /** A new scratch folder for work files, on the store's file system when it has one; the caller removes it. */
  scratch(): Promise<string>;
  /** Removes leftovers of writes and scratch folders of processes that died; returns how many. */
  sweep(): Promise<number>;
}

export class MediaStoreError extends Error {
  override readonly name = 'MediaStoreError';
  constructor(
    readonly code: 'INVALID_MEDIA_KEY' | 'MEDIA_SOURCE_UNREADABLE',
    message: string,
  ) {
    super(message);
  }
}

/** Checks a key: 1-8 segments shaped like ids (letters, digits and `_.:@-`, none starting with a symbol, so no `..`). */
export function checkMediaKey(key: string): string {
  const segments = typeof key === 'string' ? key.split('/') : [];
  if (segments.length === 0 || segments.length > 8 || key.length > 512 || !segments.every(isId)) {
    throw new MediaStoreError('INVALID_MEDIA_KEY', `media key ${JSON.stringify(key)} is not a relative path of plain names`);
  }
  return key;
}
