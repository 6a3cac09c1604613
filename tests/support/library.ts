/** A library folder of generated clips, and a Postgres event store plus a media folder to scan it into. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { FolderMediaStore } from '../../gateways/media/folder.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { clip, type ClipSpec } from './audio.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface MediaWorld {
  db: TestDatabase;
  events: PostgresEventStore;
  media: FolderMediaStore;
  /** A folder of its own for the library, the media and anything else. */
  dir: string;
  close(): Promise<void>;
}

export async function createMediaWorld(label: string): Promise<MediaWorld> {
  const db = await createTestDatabase(label);
  const events = await PostgresEventStore.open(createPgClient({ connectionString: db.url, applicationName: `chorus-${label}`, max: 4 }), { ownsClient: true });
  const dir = await mkdtemp(join(tmpdir(), `chorus-${label}-`));
  const media = await FolderMediaStore.open(join(dir, 'media'));
  return {
    db,
    events,
    media,
    dir,
    async close() {
      await events.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes each clip at its path under `root` (paths relative to it). */
export async function writeLibrary(root: string, files: Record<string, ClipSpec>): Promise<void> {
  await Promise.all(Object.entries(files).map(([path, spec]) => clip(spec, join(root, path))));
}
