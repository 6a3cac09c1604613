/** HLS playlists: reading the media playlists ffmpeg writes, and writing the master playlists. */

export interface MediaPlaylist {
  /** EXT-X-MAP's URI (the fMP4 init segment). */
  init: string | undefined;
  segments: Array<{ uri: string; seconds: number }>;
  targetDuration: number;
  ended: boolean;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U)');
  const playlist: MediaPlaylist = { init: undefined, segments: [], targetDuration: 0, ended: false };
  let pending: number | undefined;
  for (const line of lines.slice(1)) {
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) playlist.targetDuration = Number(line.slice('#EXT-X-TARGETDURATION:'.length));
    else if (line.startsWith('#EXT-X-MAP:')) playlist.init = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line === '#EXT-X-ENDLIST') playlist.ended = true;
    else if (line && !line.startsWith('#')) {
      if (pending === undefined || !Number.isFinite(pending)) throw new Error(`segment ${line} has no #EXTINF`);
      playlist.segments.push({ uri: line, seconds: pending });
      pending = undefined;
    }
  }
  return playlist;
}

export interface Variant {
  uri: string;
  /** Peak bits per second over the segments (RFC 8216: BANDWIDTH). */
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
}

/**
 * BANDWIDTH is the peak segment bitrate. Segments shorter than a second (the last one, often a
 * single AAC frame) are left out of the peak: their container overhead would make it up.
 */
export function variantBandwidth(segments: ReadonlyArray<{ seconds: number; bytes: number }>): { bandwidth: number; averageBandwidth: number } {
  const total = segments.reduce((sum, s) => ({ seconds: sum.seconds + s.seconds, bytes: sum.bytes + s.bytes }), { seconds: 0, bytes: 0 });
  const counted = segments.filter((s) => s.seconds >= 1);
  const peak = Math.max(0, ...(counted.length > 0 ? counted : segments).map((s) => (s.bytes * 8) / Math.max(s.seconds, 0.001)));
  return { bandwidth: Math.ceil(peak), averageBandwidth: Math.ceil((total.bytes * 8) / Math.max(total.seconds, 0.001)) };
}

/** A master playlist listing `variants` (lowest first). */
export function writeMasterPlaylist(variants: readonly Variant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},AVERAGE-BANDWIDTH=${v.averageBandwidth},CODECS="${v.codecs}"`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}

export interface MasterEntry {
  uri: string;
  attributes: Record<string, string>;
}

/** The variants of a master playlist with their attributes (quoted values unquoted). */
export function parseMasterPlaylist(text: string): MasterEntry[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U)');
  const entries: MasterEntry[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attributes: Record<string, string> = {};
    for (const match of line.slice('#EXT-X-STREAM-INF:'.length).matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) {
      attributes[match[1]!] = match[2]!.replace(/^"|"$/g, '');
    }
    const uri = lines[i + 1];
    if (!uri || uri.startsWith('#')) throw new Error('#EXT-X-STREAM-INF without a URI');
    entries.push({ uri, attributes });
  }
  return entries;
}
