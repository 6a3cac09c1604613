/**
 * The media store in a folder (CHORUS_MEDIA_DIR, default `<data dir>/media`). A write goes to a
 * temporary name under `.tmp/`, is flushed to disk (fsync), then renamed into place, and the
 * folder that holds it is flushed too: after a crash a key holds the whole old file, the whole
 * new one, or nothing. `.tmp/` also holds scratch folders of ingest; names carry host and process
 * id, so `sweep` removes only what a dead process left (or anything a day old).
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileChecksum } from './checksum.js';
import { checkMediaKey, MediaStoreError, type MediaStat, type MediaStore, type StoredFile } from './port.js';

const TMP = '.tmp';
const STALE_MS = 24 * 60 * 60_000;
const HOST = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');

async function fsync(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class FolderMediaStore implements MediaStore {
  readonly description: string;

  private constructor(readonly root: string) {
    this.description = `folder ${root}`;
  }

  static async open(root: string): Promise<FolderMediaStore> {
    await mkdir(join(root, TMP), { recursive: true });
    return new FolderMediaStore(root);
  }

  private path(key: string): string {
    return join(this.root, checkMediaKey(key));
  }

  private tempName(): string {
    return join(this.root, TMP, `${HOST}-${process.pid}-${randomUUID()}.part`);
  }

  async putFile(key: string, source: string, options: { move?: boolean } = {}): Promise<StoredFile> {
    const target = this.path(key);
    const temp = this.tempName();
    try {
      if (options.move) {
        try {
          await rename(source, temp);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
          await copyFile(source, temp);
          await rm(source, { force: true });
        }
      } else {
        await copyFile(source, temp);
      }
    } catch (error) {
      await rm(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new MediaStoreError('MEDIA_SOURCE_UNREADABLE', `cannot read ${source}: ${code}`);
    }
    const { checksum, bytes } = await fileChecksum(temp);
    await this.commit(temp, target);
    return { key, bytes, checksum };
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<StoredFile> {
    const target = this.path(key);
    const temp = this.tempName();
    const hash = createHash('sha256').update(bytes);
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
    await this.commit(temp, target);
    return { key, bytes: bytes.byteLength, checksum: `sha256:${hash.digest('hex')}` };
  }

  /** fsync the temporary file, rename it into place, fsync the folder that now holds it. */
  private async commit(temp: string, target: string): Promise<void> {
    try {
      await fsync(temp, 'r+');
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      await fsync(dirname(target));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async stat(key: string): Promise<MediaStat | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { bytes: s.size, modifiedAt: s.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return undefined;
      throw error;
    }
  }

  localPath(key: string): string {
    return this.path(key);
  }

  async list(prefix: string): Promise<string[]> {
    const folder = this.path(prefix);
    let entries;
    try {
      entries = await readdir(folder, { recursive: true, withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw error;
    }
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort();
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { recursive: true, force: true });
  }

  async scratch(): Promise<string> {
    return mkdtemp(join(this.root, TMP, `${HOST}-${process.pid}-`));
  }

  async sweep(): Promise<number> {
    const folder = join(this.root, TMP);
    let removed = 0;
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const [host, pid] = name.split('-');
      const path = join(folder, name);
      const info = await stat(path).catch(() => undefined);
      if (!info) continue;
      const orphan = host === HOST && pid !== undefined && /^\d+$/.test(pid) && Number(pid) !== process.pid && !isAlive(Number(pid));
      if (orphan || Date.now() - info.mtimeMs > STALE_MS) {
        await rm(path, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }
}
