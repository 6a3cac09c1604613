/**
 * The demo catalog of embedded mode: a few hundred artists, albums and tracks, generated the same
 * way every time (seeded), imported on first start so that search and plays work out of the box.
 * It begins with one artist whose names are easy to look for: "The Polyphonics".
 */
import type { EventStore } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { readCatalogFile } from './file.js';
import { applyPlan, planImport, type Plan } from './import.js';
import { seededRandom } from '../../domain/shared/seeded-random.js';

const ADJECTIVES = ['Velvet', 'Electric', 'Silent', 'Golden', 'Neon', 'Hollow', 'Crimson', 'Paper', 'Midnight', 'Wild', 'Glass', 'Northern', 'Lucky', 'Broken', 'Solar', 'Quiet', 'Distant', 'Lunar', 'Rusty', 'Blue'];
const NOUNS = ['Echoes', 'Lanterns', 'Rivers', 'Engines', 'Foxes', 'Harbors', 'Signals', 'Orchards', 'Comets', 'Choir', 'Wolves', 'Satellites', 'Gardens', 'Machines', 'Tides', 'Sparrows', 'Horizons', 'Ghosts', 'Islands', 'Atlas'];
const WORDS = ['Rain', 'Static', 'Summer', 'Runaway', 'Heartbeat', 'Shadows', 'Daylight', 'Fire', 'Ocean', 'Dreams', 'Highway', 'Winter', 'Gravity', 'Stars', 'Morning', 'Echo', 'Paper Moon', 'Wildflower', 'Satellite', 'Lullaby', 'Thunder', 'Glow', 'Homecoming', 'Mirror', 'Velocity'];
const GENRES = ['rock', 'indie', 'pop', 'electronic', 'jazz', 'folk', 'hip hop', 'ambient', 'soul', 'classical', 'metal', 'blues'];

interface DemoTrack { id: string; title: string; durationMs: number; trackNumber: number }
interface DemoAlbum { id: string; artistId: string; title: string; releaseDate: string; genres: string[]; tracks: DemoTrack[] }
export interface DemoCatalog {
  artists: Array<{ id: string; name: string; genres: string[] }>;
  albums: DemoAlbum[];
}

export function demoCatalog(artistCount = 150): DemoCatalog {
  const next = seededRandom(20_26);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const artists: DemoCatalog['artists'] = [{ id: 'demo-artist-0', name: 'The Polyphonics', genres: ['indie', 'rock'] }];
  const albums: DemoAlbum[] = [
    {
      id: 'demo-album-0',
      artistId: 'demo-artist-0',
      title: 'Harmony Street',
      releaseDate: '2024-05-17',
      genres: ['indie'],
      tracks: ['Counterpoint Blues', 'Four Voices', 'Call and Response', 'Canon in the Rain'].map((title, i) => ({
        id: `demo-track-0-${i + 1}`,
        title,
        durationMs: 180_000 + i * 17_000,
        trackNumber: i + 1,
      })),
    },
  ];
  const names = new Set(['The Polyphonics']);
  for (let a = 1; a < artistCount; a += 1) {
    let name = `The ${pick(ADJECTIVES)} ${pick(NOUNS)}`;
    while (names.has(name)) name = `${name} ${a}`;
    names.add(name);
    const artistId = `demo-artist-${a}`;
    const genres = [...new Set([pick(GENRES), pick(GENRES)])];
    artists.push({ id: artistId, name, genres });
    const albumCount = 1 + Math.floor(next() * 3);
    for (let b = 0; b < albumCount; b += 1) {
      const albumId = `demo-album-${a}-${b}`;
      const trackCount = 6 + Math.floor(next() * 7);
      const year = 1975 + Math.floor(next() * 50);
      const month = 1 + Math.floor(next() * 12);
      const day = 1 + Math.floor(next() * 28);
      albums.push({
        id: albumId,
        artistId,
        title: `${pick(ADJECTIVES)} ${pick(WORDS)}`,
        releaseDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
        genres: [pick(genres)],
        tracks: Array.from({ length: trackCount }, (_, t) => ({
          id: `demo-track-${a}-${b}-${t + 1}`,
          title: `${pick(WORDS)}${next() < 0.3 ? ` ${pick(WORDS)}` : ''}`,
          durationMs: 120_000 + Math.floor(next() * 240_000),
          trackNumber: t + 1,
        })),
      });
    }
  }
  return { artists, albums };
}

/** Imports the demo catalog unless the store holds a catalog already. */
export async function importDemoCatalogIfEmpty(store: EventStore, now: Date): Promise<Plan | undefined> {
  for await (const _event of store.readAll({ maxCount: 1, filter: { streamPrefixes: ['catalog-'] } })) return undefined;
  const read = readCatalogFile(JSON.stringify(demoCatalog()));
  if (!read.catalog || read.problems.length > 0) throw new Error(`the demo catalog is invalid: ${read.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const { plan, problems } = await planImport(store, read.catalog, now.toISOString());
  if (problems.length > 0) throw new Error(`the demo catalog conflicts with the store: ${problems[0]!.path}: ${problems[0]!.message}`);
  const result = await applyPlan(store, plan, { actorId: 'chorus-demo', correlationId: uuidv7() });
  if (result.failure) throw new Error(`demo catalog: ${result.failure.path}: ${result.failure.reason}`);
  return result.done;
}
