/**
 * Ingest: from an audio file to everything a player needs, in the media store under
 * `tracks/<trackId>/<version>/`, where the version is the hash of the audio alone:
 * `aac-128.m4a`, `aac-320.m4a`, `hls/{128,320}/…`, `hls/master.m3u8`, `hls/master-low.m3u8`,
 * `original.<ext>` (kept for lossless playback) and, written last, `manifest.json`.
 *
 * Every file appears atomically (the store's promise), and nothing points at a version until its
 * TrackAudioAttached is stored, which happens after the manifest: a crash leaves an unreferenced,
 * possibly incomplete version folder, which the next ingest of the same audio writes again. A
 * version with a manifest is complete and is used as it is (a retagged or moved file costs a
 * hash, not a transcode).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Loudness, Rendition, TrackAudio } from '../../domain/catalog/events.js';
import { audioHash } from '../../gateways/media/ffmpeg/fingerprint.js';
import { probeAudio, type AudioProbe } from '../../gateways/media/ffmpeg/probe.js';
import { renderAudio } from '../../gateways/media/ffmpeg/render.js';
import type { MediaStore, StoredFile } from '../../gateways/media/port.js';

export interface IngestedAudio {
  /** The renditions' folder inside the track's media folder. */
  version: string;
  audio: TrackAudio;
  renditions: Rendition[];
  hls: { master: string; masterLow: string };
  loudness: Loudness;
  /** The version was there already (complete): nothing was transcoded. */
  reused: boolean;
}

type Manifest = Omit<IngestedAudio, 'reused'>;

export const trackFolder = (trackId: string) => `tracks/${trackId}`;

export async function ingestAudio(
  media: MediaStore,
  trackId: string,
  path: string,
  options: { signal?: AbortSignal; probe?: AudioProbe } = {},
): Promise<IngestedAudio> {
  const probe = options.probe ?? (await probeAudio(path, options));
  const version = (await audioHash(path, options)).slice(0, 16);
  const base = `${trackFolder(trackId)}/${version}`;
  const existing = await media.read(`${base}/manifest.json`);
  if (existing) return { ...(JSON.parse(existing.toString('utf8')) as Manifest), reused: true };

  const work = await media.scratch();
  try {
    const rendered = await renderAudio(path, probe, work, options);
    const stored = new Map<string, StoredFile>();
    for (const file of rendered.written) stored.set(file, await media.putFile(`${base}/${file}`, join(work, file), { move: true }));
    const originalFile = `original.${probe.extension}`;
    const original = await media.putFile(`${base}/${originalFile}`, path);

    const renditions: Rendition[] = rendered.files.map((f) => {
      const rendition: Rendition = {
        quality: f.quality,
        format: f.format,
        file: `${version}/${f.file}`,
        mimeType: f.mimeType,
        codec: f.codec,
        bitrate: f.bitrate,
        bytes: f.parts.reduce((sum, part) => sum + stored.get(part)!.bytes, 0),
        durationMs: f.durationMs,
        checksum: stored.get(f.file)!.checksum,
      };
      if (f.segments !== undefined) rendition.segments = f.segments;
      return rendition;
    });
    const bitrate = probe.bitrate ?? Math.round((original.bytes * 8) / (probe.durationMs / 1000));
    if (probe.lossless) {
      renditions.push({
        quality: 'lossless',
        format: 'progressive',
        file: `${version}/${originalFile}`,
        mimeType: probe.mimeType,
        codec: probe.codec,
        bitrate,
        bytes: original.bytes,
        durationMs: probe.durationMs,
        checksum: original.checksum,
      });
    }
    const audio: TrackAudio = {
      uri: `media:${base}/${originalFile}`,
      mimeType: probe.mimeType,
      bytes: original.bytes,
      codec: probe.codec,
      durationMs: probe.durationMs,
      bitrate,
      sampleRate: probe.sampleRate,
      channels: probe.channels,
      lossless: probe.lossless,
      checksum: original.checksum,
    };
    const manifest: Manifest = {
      version,
      audio,
      renditions,
      hls: { master: `${version}/${rendered.masters.master}`, masterLow: `${version}/${rendered.masters.masterLow}` },
      loudness: rendered.loudness,
    };
    await media.putBytes(`${base}/manifest.json`, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`));
    return { ...manifest, reused: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
