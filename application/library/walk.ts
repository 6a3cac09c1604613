/** The audio files under a folder: every file with an audio extension, hidden files and folders skipped. */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

/** mp3, flac, m4a/aac, ogg/opus, wav (and their usual relatives). */
export const AUDIO_EXTENSIONS = new Set(['.mp3', '.flac', '.m4a', '.mp4', '.aac', '.ogg', '.oga', '.opus', '.wav', '.aif', '.aiff', '.webm']);

export interface FoundFile {
  path: string;
  bytes: number;
  /** ISO time of the last modification (ms precision), as recorded in the track's source. */
  modifiedAt: string;
}

export const isAudioFile = (path: string) => AUDIO_EXTENSIONS.has(extname(path).toLowerCase());

export async function findAudioFiles(root: string, signal?: AbortSignal): Promise<FoundFile[]> {
  const base = resolve(root);
  const entries = await readdir(base, { recursive: true, withFileTypes: true });
  const files: FoundFile[] = [];
  for (const entry of entries) {
    if (signal?.aborted) break;
    if (!entry.isFile() || !isAudioFile(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.slice(base.length).split('/').some((part) => part.startsWith('.'))) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) files.push({ path, bytes: info.size, modifiedAt: info.mtime.toISOString() });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
