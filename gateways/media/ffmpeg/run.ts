/** Runs ffmpeg and ffprobe (Debian's packages, found on PATH) with a bounded capture of their output. */
import { spawn } from 'node:child_process';

export type MediaToolErrorCode = 'AUDIO_UNREADABLE' | 'AUDIO_UNSUPPORTED' | 'FFMPEG_MISSING' | 'FFMPEG_FAILED' | 'ABORTED';

/** Why a file could not be probed or transcoded; `message` says it in words a person can act on. */
export class MediaToolError extends Error {
  override readonly name = 'MediaToolError';
  constructor(
    readonly code: MediaToolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const MAX_CAPTURE = 256 * 1024;

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** Keeps the last `MAX_CAPTURE` characters: what a tool says last is what went wrong. */
function capture(): { add(chunk: Buffer): void; text(): string } {
  let text = '';
  return {
    add(chunk) {
      text += chunk.toString('utf8');
      if (text.length > MAX_CAPTURE * 2) text = text.slice(-MAX_CAPTURE);
    },
    text: () => text.slice(-MAX_CAPTURE),
  };
}

export function runTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], options: { signal?: AbortSignal } = {}): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new MediaToolError('ABORTED', `${tool} was not started: stopping`));
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = capture();
    const err = capture();
    child.stdout.on('data', out.add);
    child.stderr.on('data', err.add);
    const abort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', abort);
      if (error.code === 'ENOENT') reject(new MediaToolError('FFMPEG_MISSING', `${tool} is not installed (apt-get install -y ffmpeg)`));
      else reject(error);
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) return reject(new MediaToolError('ABORTED', `${tool} stopped: stopping`));
      if (code === 0) return resolve({ stdout: out.text(), stderr: err.text() });
      const last = lastLines(err.text());
      reject(new MediaToolError('FFMPEG_FAILED', `${tool} failed (${signal ?? `exit ${code}`}): ${last}`));
    });
  });
}

/** The last meaningful lines of a tool's error output, on one line. */
export function lastLines(text: string, count = 3): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('Conversion failed'));
  return lines.slice(-count).join(' / ') || 'no message';
}
