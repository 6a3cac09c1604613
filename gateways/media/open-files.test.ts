import { mkdtemp, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotAFileError, OpenFiles } from './open-files.js';

/** How many files this process has open (Linux). */
const openCount = async () => (await readdir('/proc/self/fd')).length;

describe('OpenFiles', () => {
  let dir: string;
  let clock = 0;
  const now = () => clock;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-open-files-'));
    clock = 0;
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('reads ranges of a kept file, opening it once', async () => {
    const path = join(dir, 'a.bin');
    await writeFile(path, Buffer.from('0123456789'));
    const files = new OpenFiles({ now });
    const before = await openCount();
    const first = await files.acquire(path);
    expect(first.size).toBe(10);
    expect((await first.read(2, 3)).toString()).toBe('234');
    expect((await first.read(8, 5)).toString()).toBe('89'); // fewer at the end
    first.release();
    const second = await files.acquire(path);
    expect((await second.read(0, 1)).toString()).toBe('0');
    second.release();
    expect(await openCount()).toBe(before + 1);
    files.closeAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openCount()).toBe(before);
  });

  it('sees a replaced file once the entry is older than validMs, and not before', async () => {
    const path = join(dir, 'a.bin');
    await writeFile(path, 'old!');
    const files = new OpenFiles({ now, validMs: 1_000 });
    const old = await files.acquire(path);
    old.release();
    await writeFile(join(dir, 'next'), 'newer');
    await rename(join(dir, 'next'), path);
    clock = 500;
    const still = await files.acquire(path);
    expect((await still.read(0, 10)).toString()).toBe('old!');
    still.release();
    clock = 1_500;
    const renewed = await files.acquire(path);
    expect((await renewed.read(0, 10)).toString()).toBe('newer');
    expect(renewed.size).toBe(5);
    renewed.release();
    files.closeAll();
  });

  it('notices a touched file (same inode, new modification time) and a removed one', async () => {
    const path = join(dir, 'a.bin');
    await writeFile(path, 'same');
    const files = new OpenFiles({ now, validMs: 10 });
    const first = await files.acquire(path);
    first.release();
    await utimes(path, new Date(1_000_000), new Date(1_000_000));
    clock = 20;
    const touched = await files.acquire(path);
    expect(touched.mtimeMs).toBe(1_000_000);
    touched.release();
    await rm(path);
    clock = 40;
    await expect(files.acquire(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(files.size).toBe(0);
  });

  it('keeps at most `capacity` files open, and an evicted file stays open until its read is released', async () => {
    const files = new OpenFiles({ now, capacity: 2 });
    const paths = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        const path = join(dir, name);
        await writeFile(path, name.repeat(4));
        return path;
      }),
    );
    const before = await openCount();
    const reading = await files.acquire(paths[0]!);
    (await files.acquire(paths[1]!)).release();
    (await files.acquire(paths[2]!)).release(); // pushes out a, which is still being read
    expect(files.size).toBe(2);
    expect(await openCount()).toBe(before + 3);
    expect((await reading.read(0, 4)).toString()).toBe('aaaa');
    reading.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openCount()).toBe(before + 2);
    files.closeAll();
  });

  it('refuses a directory and a missing file', async () => {
    const files = new OpenFiles({ now });
    await expect(files.acquire(dir)).rejects.toBeInstanceOf(NotAFileError);
    await expect(files.acquire(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(files.size).toBe(0);
  });
});
