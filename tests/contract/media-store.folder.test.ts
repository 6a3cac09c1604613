import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { describeMediaStoreContract } from './media-store.contract.js';

describeMediaStoreContract('folder', async () => {
  const root = await mkdtemp(join(tmpdir(), 'chorus-media-'));
  return { store: await FolderMediaStore.open(root), teardown: () => rm(root, { recursive: true, force: true }) };
});

describe('folder media store: what a crash leaves', () => {
  it('sweep removes temporary files and scratch folders of dead processes and old ones, and keeps those of live processes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chorus-media-'));
    const store = await FolderMediaStore.open(root);
    const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    // A process that has ended: its pid is free (or reused by now, which sweep cannot tell; then age decides).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const tmp = join(root, '.tmp');
    await writeFile(join(tmp, `${host}-${dead}-half.part`), 'half a rendition');
    await mkdir(join(tmp, `${host}-${dead}-work`));
    await writeFile(join(tmp, `${host}-${process.pid}-mine.part`), 'in progress');
    await writeFile(join(tmp, `otherhost-1-old.part`), 'old');
    await utimes(join(tmp, `otherhost-1-old.part`), new Date(0), new Date(0));
    await writeFile(join(tmp, `otherhost-1-recent.part`), 'recent');
    expect(await store.sweep()).toBe(3);
    expect((await readdir(tmp)).sort()).toStrictEqual([`${host}-${process.pid}-mine.part`, 'otherhost-1-recent.part'].sort());
    await rm(root, { recursive: true, force: true });
  });

  it('keys never reach outside the folder and .tmp is not listed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chorus-media-'));
    const store = await FolderMediaStore.open(root);
    await store.putBytes('covers/a/b.jpg', Buffer.from('x'));
    expect(store.localPath('covers/a/b.jpg')).toBe(join(root, 'covers/a/b.jpg'));
    expect(await store.list('covers')).toStrictEqual(['covers/a/b.jpg']);
    await rm(root, { recursive: true, force: true });
  });
});
