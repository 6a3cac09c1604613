/**
 * The hash of a file's audio alone: its audio packets, read without decoding (`-c copy`), hashed
 * by ffmpeg's hash muxer. Tags and cover art are not packets, so a retagged file keeps its hash
 * and its renditions are not made again.
 */
import { runTool } from './run.js';

export async function audioHash(path: string, options: { signal?: AbortSignal } = {}): Promise<string> {
  const { stdout } = await runTool('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-map', '0:a:0', '-c', 'copy', '-f', 'hash', '-hash', 'sha256', '-'], options);
  const match = /SHA256=([0-9a-f]{64})/.exec(stdout);
  if (!match) throw new Error(`ffmpeg gave no audio hash for ${path}`);
  return match[1]!;
}
