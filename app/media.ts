/**
 * The media side of the composition root: the media store (a folder) and the keys that sign media
 * URLs, from CHORUS_MEDIA_KEYS or, without it, one key made on first start and kept in the data
 * folder (`media-keys`, readable by its owner only). Several nodes behind one load balancer must
 * share CHORUS_MEDIA_KEYS: a URL signed by one is checked by another.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { MediaKeyError, MediaKeyRing } from '../application/streaming/signing.js';
import { FolderMediaStore } from '../gateways/media/folder.js';
import { ConfigError, type Config } from './config.js';

export interface MediaRuntime {
  media: FolderMediaStore;
  keys: MediaKeyRing;
  urlTtlSeconds: number;
}

export async function openMedia(config: Config, logger: Logger): Promise<MediaRuntime> {
  const media = await FolderMediaStore.open(config.media.dir);
  const keys = await mediaKeys(config, logger);
  return { media, keys, urlTtlSeconds: config.media.urlTtlSeconds };
}

async function mediaKeys(config: Config, logger: Logger): Promise<MediaKeyRing> {
  if (config.media.keys) {
    try {
      return MediaKeyRing.parse(config.media.keys);
    } catch (error) {
      if (error instanceof MediaKeyError) throw new ConfigError(`CHORUS_MEDIA_KEYS: ${error.message}`);
      throw error;
    }
  }
  const file = join(config.dataDir, 'media-keys');
  await mkdir(config.dataDir, { recursive: true });
  try {
    await writeFile(file, `${MediaKeyRing.generate()}\n`, { flag: 'wx', mode: 0o600 });
    logger.info({ file }, 'media URL signing key created');
    if (config.databaseUrl) logger.warn('media URLs are signed with a key of this node only: set CHORUS_MEDIA_KEYS on every node when several serve the same users');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    return MediaKeyRing.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof MediaKeyError) throw new ConfigError(`${file}: ${error.message} (remove it to make a new key)`);
    throw error;
  }
}
