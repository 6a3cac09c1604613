/**
 * A library scan on real files and real ffmpeg, into a Postgres event store and a media folder:
 * the first scan, a rescan that appends nothing, a retag, a removed and restored file, a corrupt
 * file, and the renditions checked with ffprobe (codec, bitrate, duration) and their playlists.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogView } from '../../application/library/catalog-view.js';
import { scanLibrary, type ScanSummary } from '../../application/library/scan.js';
import type { AudioAttachment } from '../../domain/catalog/events.js';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../gateways/media/ffmpeg/hls.js';
import { ffmpeg, makeImage } from '../support/audio.js';
import { createMediaWorld, writeLibrary, type MediaWorld } from '../support/library.js';

const SECONDS = 3;
const tags = (artist: string, album: string, title: string, track: number, extra: Record<string, string> = {}) => ({
  artist,
  album,
  title,
  track: String(track),
  date: '2019-03-04',
  genre: 'Rock',
  ...extra,
});

let world: MediaWorld;
let library: string;

function ffprobe(path: string): { codec: string; profile: string; bitrate: number; durationMs: number } {
  const out = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-select_streams', 'a:0', path]).stdout.toString();
  const json = JSON.parse(out) as { streams: Array<{ codec_name: string; profile: string; bit_rate?: string }>; format: { duration: string; bit_rate: string } };
  const s = json.streams[0]!;
  return { codec: s.codec_name, profile: s.profile, bitrate: Number(s.bit_rate ?? json.format.bit_rate), durationMs: Number(json.format.duration) * 1000 };
}

const scan = (options = {}) => scanLibrary({ events: world.events, media: world.media }, library, { concurrency: 2, ...options });
const view = () => CatalogView.load(world.events);
const head = () => world.events.headPosition();
const attachmentOf = async (trackId: string) => (await view()).track(trackId);

beforeAll(async () => {
  world = await createMediaWorld('scan');
  library = join(world.dir, 'library');
  await writeLibrary(library, {
    'Band/First/01 One.flac': { format: 'flac', seconds: SECONDS, tags: tags('Band', 'First', 'One', 1, { disc: '1/1' }), cover: 'red' },
    'Band/First/02 Two.mp3': { format: 'mp3', seconds: SECONDS, tags: tags('Band', 'First', 'Two', 2, { artist: 'Guest Singer', album_artist: 'Band' }) },
    'Other/Second/a.ogg': { format: 'ogg', seconds: SECONDS, tags: tags('Other', 'Second', 'Song A', 1) },
    'loose/03 Night Drive.wav': { format: 'wav', seconds: SECONDS, kind: 'tone' },
  });
  await makeImage(join(library, 'Other/Second/folder.jpg'), 'blue', 300);
  await mkdir(join(library, 'Broken'), { recursive: true });
  await writeFile(join(library, 'Broken/bad.flac'), Buffer.alloc(4_000, 0x5a));
}, 300_000);

afterAll(() => world?.close());

describe('library scan', () => {
  let first: ScanSummary;

  beforeAll(async () => {
    first = await scan();
  }, 300_000);

  it('adds every readable file as a track with its audio, and reports the corrupt one with its path and reason', async () => {
    expect(first).toMatchObject({ files: 5, added: 4, updated: 0, unchanged: 0, unavailable: 0, interrupted: false });
    expect(first.failed).toStrictEqual([{ path: join(library, 'Broken/bad.flac'), reason: expect.stringMatching(/not a readable audio file|no audio stream|duration/) }]);
    expect(first.transcoded.files).toBe(4);
  });

  it('places files by their tags: album artist, guest credit, disc and number, date, embedded or folder cover', async () => {
    const v = await view();
    const artists = [...v.artists.values()].flatMap((s) => (s.status === 'added' ? [s] : []));
    expect(artists.map((a) => a.name).sort()).toStrictEqual(['Band', 'Other', 'Unknown Artist']);
    const band = artists.find((a) => a.name === 'Band')!;
    const album = [...band.albums.values()][0]!;
    expect(album).toMatchObject({ title: 'First', releaseDate: '2019-03-04', genres: [] });
    expect(album.tracks.map((t) => [t.title, t.trackNumber, t.artist ?? null, t.genres])).toStrictEqual([
      ['One', 1, null, ['rock']],
      ['Two', 2, 'Guest Singer', ['rock']],
    ]);
    expect(album.cover).toMatchObject({ mimeType: 'image/jpeg', width: 500, height: 500 });
    const other = [...artists.find((a) => a.name === 'Other')!.albums.values()][0]!;
    expect(other.cover).toMatchObject({ mimeType: 'image/jpeg', width: 300, height: 300 });
    const loose = [...artists.find((a) => a.name === 'Unknown Artist')!.albums.values()][0]!;
    expect(loose.tracks[0]).toMatchObject({ title: 'Night Drive', trackNumber: 3 });
    expect(loose.cover).toBeUndefined();
  });

  it('records renditions, loudness, checksums and the source of each file; the lossless original is kept', async () => {
    const v = await view();
    const flac = [...v.filesByPath().values()].find((f) => f.source.path.endsWith('01 One.flac'))!;
    const track = (await attachmentOf(flac.trackId))!;
    const media = track.media as Required<Pick<AudioAttachment, 'renditions' | 'hls' | 'loudness' | 'source'>>;
    expect(track.audio).toMatchObject({ mimeType: 'audio/flac', codec: 'flac', lossless: true, durationMs: SECONDS * 1000, sampleRate: 44_100, channels: 2 });
    expect(track.audio!.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(media.renditions.map((r) => [r.quality, r.format, r.codec, r.bitrate])).toStrictEqual([
      ['low', 'progressive', 'mp4a.40.2', 128_000],
      ['low', 'hls', 'mp4a.40.2', 128_000],
      ['high', 'progressive', 'mp4a.40.2', 320_000],
      ['high', 'hls', 'mp4a.40.2', 320_000],
      ['lossless', 'progressive', 'flac', track.audio!.bitrate],
    ]);
    for (const r of media.renditions) {
      const stored = await world.media.read(`tracks/${flac.trackId}/${r.file}`);
      expect(stored, r.file).toBeDefined();
      expect(r.checksum).toMatch(/^sha256:/);
    }
    expect(media.loudness.integratedLufs).toBeGreaterThan(-40);
    expect(media.loudness.integratedLufs).toBeLessThan(0);
    expect(media.loudness.truePeakDbtp).toBeLessThan(1);
    expect(media.source).toMatchObject({ path: join(library, 'Band/First/01 One.flac') });
    const mp3 = [...v.filesByPath().values()].find((f) => f.source.path.endsWith('02 Two.mp3'))!;
    const lossy = (await attachmentOf(mp3.trackId))!;
    expect(lossy.audio).toMatchObject({ mimeType: 'audio/mpeg', codec: 'mp3', lossless: false });
    expect(lossy.media!.renditions!.map((r) => r.quality)).not.toContain('lossless');
  });

  it('the renditions are AAC-LC at their bitrates, within 50 ms of the source, and the HLS playlists parse', async () => {
    const v = await view();
    const flac = [...v.filesByPath().values()].find((f) => f.source.path.endsWith('01 One.flac'))!;
    const track = (await attachmentOf(flac.trackId))!;
    const folder = world.media.localPath(`tracks/${flac.trackId}`);
    for (const r of track.media!.renditions!.filter((x) => x.codec === 'mp4a.40.2')) {
      const probed = ffprobe(join(folder, r.file));
      expect(probed.codec, r.file).toBe('aac');
      expect(probed.profile, r.file).toBe('LC');
      expect(Math.abs(probed.durationMs - SECONDS * 1000), r.file).toBeLessThan(50);
      if (r.format === 'progressive' && r.quality === 'low') expect(Math.abs(probed.bitrate - 128_000)).toBeLessThan(128_000 * 0.15);
      if (r.format === 'progressive' && r.quality === 'high') expect(probed.bitrate).toBeGreaterThan(128_000 * 1.4);
      if (r.format === 'hls') {
        const playlist = parseMediaPlaylist(await readFile(join(folder, r.file), 'utf8'));
        expect(playlist.ended).toBe(true);
        expect(playlist.init).toBe('init.mp4');
        expect(playlist.segments.length).toBe(r.segments);
        expect(Math.max(...playlist.segments.map((s) => s.seconds))).toBeLessThanOrEqual(6.1);
      }
    }
    const master = parseMasterPlaylist(await readFile(join(folder, track.media!.hls!.master), 'utf8'));
    expect(master.map((m) => m.uri)).toStrictEqual(['128/index.m3u8', '320/index.m3u8']);
    for (const m of master) {
      expect(m.attributes.CODECS).toBe('mp4a.40.2');
      expect(Number(m.attributes.BANDWIDTH)).toBeGreaterThan(0);
    }
    expect(parseMasterPlaylist(await readFile(join(folder, track.media!.hls!.masterLow), 'utf8')).map((m) => m.uri)).toStrictEqual(['128/index.m3u8']);
    // The whole HLS rendition, as a player reads it, is as long as the source.
    expect(Math.abs(ffprobe(join(folder, track.media!.hls!.master)).durationMs - SECONDS * 1000)).toBeLessThan(50);
  });

  it('a rescan of the unchanged folder appends nothing', async () => {
    const before = await head();
    const again = await scan();
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 4, unavailable: 0, events: 0 });
    expect(again.failed).toHaveLength(1);
    expect(await head()).toBe(before);
  });

  it('a retagged file updates its track (same id) without transcoding again', async () => {
    const path = join(library, 'Band/First/01 One.flac');
    const before = [...(await view()).filesByPath().values()].find((f) => f.source.path === path)!;
    await ffmpeg(['-i', path, '-map', '0', '-c', 'copy', '-metadata', 'title=One (Remastered)', '-metadata', 'genre=Pop', `${path}.tmp.flac`]);
    await rename(`${path}.tmp.flac`, path);
    const result = await scan();
    expect(result).toMatchObject({ added: 0, updated: 1, unchanged: 3, unavailable: 0 });
    expect(result.transcoded.files).toBe(0);
    const v = await view();
    const after = v.filesByPath().get(path)!;
    expect(after.trackId).toBe(before.trackId);
    expect(after.version).toBe(before.version);
    const state = v.state(after.artistId);
    if (state.status !== 'added') throw new Error('no artist');
    expect(state.albums.get(after.albumId)!.tracks.find((t) => t.trackId === after.trackId)).toMatchObject({ title: 'One (Remastered)', genres: ['pop'] });
  });

  it('a removed file marks its track unavailable; putting it back makes it available again', async () => {
    const path = join(library, 'Band/First/02 Two.mp3');
    const kept = `${world.dir}/two.mp3`;
    await rename(path, kept);
    const removed = await scan();
    expect(removed).toMatchObject({ added: 0, updated: 0, unavailable: 1 });
    const gone = (await view()).filesByPath().get(path)!;
    expect(gone.unavailable).toBe(true);
    expect((await scan()).unavailable).toBe(0);

    await rename(kept, path);
    const restored = await scan();
    expect(restored).toMatchObject({ added: 0, updated: 1, unavailable: 0 });
    expect((await view()).filesByPath().get(path)!.unavailable).toBe(false);
  });

  it('a corrupt file changes nothing: its track is not created and the rest is untouched', async () => {
    const v = await view();
    expect([...v.filesByPath().keys()].some((p) => p.includes('Broken'))).toBe(false);
    await rm(join(library, 'Broken'), { recursive: true });
    expect((await scan()).failed).toStrictEqual([]);
  });
});
