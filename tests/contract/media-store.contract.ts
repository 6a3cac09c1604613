/**
 * The media store port contract: every adapter (the folder today; an S3-compatible bucket later)
 * runs exactly these cases. Files appear whole under their key; keys are plain relative paths.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStoreError, type MediaStore } from '../../gateways/media/port.js';

export interface MediaStoreFixture {
  store: MediaStore;
  teardown(): Promise<void>;
}

const sha = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export function describeMediaStoreContract(label: string, open: () => Promise<MediaStoreFixture>): void {
  describe(`media store contract: ${label}`, () => {
    let fixture: MediaStoreFixture;
    let store: MediaStore;
    let local: string;

    beforeAll(async () => {
      fixture = await open();
      store = fixture.store;
      local = await mkdtemp(join(tmpdir(), 'chorus-media-contract-'));
    });
    afterAll(async () => {
      await fixture.teardown();
      await rm(local, { recursive: true, force: true });
    });

    it('bytes put under a key read back the same, with their size and sha256', async () => {
      const bytes = new TextEncoder().encode('#EXTM3U\n');
      expect(await store.putBytes('tracks/t1/v1/hls/master.m3u8', bytes)).toStrictEqual({ key: 'tracks/t1/v1/hls/master.m3u8', bytes: 8, checksum: sha(bytes) });
      expect(await store.read('tracks/t1/v1/hls/master.m3u8')).toStrictEqual(Buffer.from(bytes));
      expect((await store.stat('tracks/t1/v1/hls/master.m3u8'))?.bytes).toBe(8);
    });

    it('a file put by copy stays at its source; a file put by move is taken', async () => {
      const content = Buffer.alloc(300_000, 7);
      const copied = join(local, 'copied.bin');
      const moved = join(local, 'moved.bin');
      await writeFile(copied, content);
      await writeFile(moved, content);
      expect(await store.putFile('tracks/t1/v1/a.bin', copied)).toStrictEqual({ key: 'tracks/t1/v1/a.bin', bytes: 300_000, checksum: sha(content) });
      expect(await store.putFile('tracks/t1/v1/b.bin', moved, { move: true })).toMatchObject({ bytes: 300_000, checksum: sha(content) });
      expect(await stat(copied).then(() => true)).toBe(true);
      expect(await stat(moved).catch(() => 'gone')).toBe('gone');
      expect(await store.read('tracks/t1/v1/b.bin')).toStrictEqual(content);
    });

    it('putting a key again replaces the whole file', async () => {
      await store.putBytes('tracks/t2/x.txt', Buffer.from('a much longer first version'));
      await store.putBytes('tracks/t2/x.txt', Buffer.from('short'));
      expect((await store.read('tracks/t2/x.txt'))?.toString()).toBe('short');
    });

    it('an absent key has no stat and no content', async () => {
      expect(await store.stat('tracks/none/file.m4a')).toBeUndefined();
      expect(await store.read('tracks/none/file.m4a')).toBeUndefined();
      expect(await store.list('tracks/none')).toStrictEqual([]);
    });

    it('list gives every key under a folder, sorted; remove takes a folder with everything in it', async () => {
      for (const key of ['tracks/t3/v/b.m4s', 'tracks/t3/v/a.m4s', 'tracks/t3/w/c.m4s']) await store.putBytes(key, Buffer.from(key));
      expect(await store.list('tracks/t3')).toStrictEqual(['tracks/t3/v/a.m4s', 'tracks/t3/v/b.m4s', 'tracks/t3/w/c.m4s']);
      await store.remove('tracks/t3/v');
      expect(await store.list('tracks/t3')).toStrictEqual(['tracks/t3/w/c.m4s']);
      await store.remove('tracks/t3/none');
    });

    it.each(['../escape', 'tracks/../../etc/passwd', '/absolute', 'tracks//double', 'tracks/.hidden', 'tracks/a\0b', '', 'a/b/c/d/e/f/g/h/i'])(
      'the key %j is refused with INVALID_MEDIA_KEY',
      async (key) => {
        await expect(store.putBytes(key, Buffer.from('x'))).rejects.toSatisfy((e: unknown) => e instanceof MediaStoreError && e.code === 'INVALID_MEDIA_KEY');
        await expect(store.stat(key)).rejects.toBeInstanceOf(MediaStoreError);
      },
    );

    it('a source that cannot be read is refused with MEDIA_SOURCE_UNREADABLE and stores nothing', async () => {
      await expect(store.putFile('tracks/t4/x.flac', join(local, 'missing.flac'))).rejects.toSatisfy(
        (e: unknown) => e instanceof MediaStoreError && e.code === 'MEDIA_SOURCE_UNREADABLE',
      );
      expect(await store.stat('tracks/t4/x.flac')).toBeUndefined();
    });

    it('a scratch folder is a writable folder of its own', async () => {
      const [a, b] = [await store.scratch(), await store.scratch()];
      expect(a).not.toBe(b);
      await writeFile(join(a, 'work.m4a'), 'x');
      await rm(a, { recursive: true });
      await rm(b, { recursive: true });
    });
  });
}
