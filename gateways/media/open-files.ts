/**
 * Open files of the media folder, kept for the next request as nginx's `open_file_cache` keeps
 * them: a Range request of a hot file then costs one positioned read instead of a stat, an open,
 * a read and a close (four trips through libuv's thread pool, which were 40% of the server's main
 * thread in the stream benchmark's profile).
 *
 * An entry is trusted for `validMs` after it was opened or last checked; after that, the next
 * request checks the path again (one stat) and opens it afresh when it is gone or another file
 * (inode, size or modification time changed), so a replaced rendition is seen within `validMs`.
 * At most `capacity` files are kept open; the least recently used is closed first, once no read
 * is using it.
 */
import { close, fstat, open, read, stat, type Stats } from 'node:fs';
import { promisify } from 'node:util';

const openAsync = promisify(open);
const closeAsync = promisify(close);
const fstatAsync = promisify(fstat);
const statAsync = promisify(stat);

export interface FileFacts {
  size: number;
  mtimeMs: number;
}

/** A file held open for a read: `release` it once done (it may then be closed). */
export interface OpenFile extends FileFacts {
  read(position: number, length: number): Promise<Buffer>;
  release(): void;
}

interface Entry extends FileFacts {
  fd: number;
  ino: number;
  checkedAt: number;
  readers: number;
  /** Out of the cache: closed as soon as no read uses it. */
  retired: boolean;
}

/** Thrown for a path that is not a regular file (a directory, a device). */
export class NotAFileError extends Error {
  readonly code = 'ENOTFILE';
}

export class OpenFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<Entry>>();
  private readonly capacity: number;
  private readonly validMs: number;

  constructor(options: { capacity?: number; validMs?: number; now?: () => number } = {}) {
    this.capacity = Math.max(1, options.capacity ?? 256);
    this.validMs = options.validMs ?? 1_000;
    if (options.now) this.now = options.now;
  }

  private now = () => performance.now();

  /** Opens `path` (or takes it from the cache); rejects with the fs error (ENOENT) or NotAFileError. */
  async acquire(path: string): Promise<OpenFile> {
    let entry = await this.current(path);
    // Opened for us, then pushed out by other opens before we got it: open it again.
    while (entry.fd < 0) entry = await this.current(path);
    entry.readers += 1;
    let released = false;
    return {
      size: entry.size,
      mtimeMs: entry.mtimeMs,
      read: (position, length) => readAt(entry.fd, position, length),
      release: () => {
        if (released) return;
        released = true;
        entry.readers -= 1;
        if (entry.retired) this.closeIfIdle(entry);
      },
    };
  }

  /** Closes every file no read is using; the others close when their reads end. */
  closeAll(): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) this.retire(entry);
  }

  /** How many files are open now (kept or being read). */
  get size(): number {
    return this.entries.size;
  }

  private async current(path: string): Promise<Entry> {
    const kept = this.entries.get(path);
    if (kept && this.now() - kept.checkedAt < this.validMs) {
      this.entries.delete(path);
      this.entries.set(path, kept); // most recently used last
      return kept;
    }
    if (kept) {
      const seen = await statAsync(path).catch((error: unknown) => error as NodeJS.ErrnoException);
      if (this.entries.get(path) === kept && !(seen instanceof Error) && sameFile(kept, seen)) {
        kept.checkedAt = this.now();
        return kept;
      }
      if (this.entries.get(path) === kept) {
        this.entries.delete(path);
        this.retire(kept);
      }
      if (seen instanceof Error) throw seen;
    }
    let pending = this.opening.get(path);
    if (!pending) {
      pending = this.openEntry(path).finally(() => this.opening.delete(path));
      this.opening.set(path, pending);
    }
    return pending;
  }

  private async openEntry(path: string): Promise<Entry> {
    const fd = await openAsync(path, 'r');
    let facts: Stats;
    try {
      facts = await fstatAsync(fd);
    } catch (error) {
      await closeAsync(fd).catch(() => undefined);
      throw error;
    }
    if (!facts.isFile()) {
      await closeAsync(fd).catch(() => undefined);
      throw new NotAFileError(`${path} is not a regular file`);
    }
    const entry: Entry = { fd, ino: facts.ino, size: facts.size, mtimeMs: facts.mtimeMs, checkedAt: this.now(), readers: 0, retired: false };
    const previous = this.entries.get(path);
    if (previous) this.retire(previous);
    this.entries.set(path, entry);
    this.evict();
    return entry;
  }

  private evict(): void {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      this.entries.delete(path);
      this.retire(entry);
    }
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    this.closeIfIdle(entry);
  }

  private closeIfIdle(entry: Entry): void {
    if (entry.readers > 0 || entry.fd < 0) return;
    const { fd } = entry;
    entry.fd = -1;
    close(fd, () => undefined);
  }
}

function sameFile(entry: Entry, seen: Stats): boolean {
  return seen.isFile() && seen.ino === entry.ino && seen.size === entry.size && seen.mtimeMs === entry.mtimeMs;
}

/** `length` bytes from `position` (fewer only at the end of the file). */
function readAt(fd: number, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) => {
    const next = (offset: number) => {
      read(fd, buffer, offset, length - offset, position + offset, (error, bytes) => {
        if (error) return reject(error);
        if (bytes === 0 || offset + bytes === length) return resolve(buffer.subarray(0, offset + bytes));
        next(offset + bytes);
      });
    };
    next(0);
  });
}
