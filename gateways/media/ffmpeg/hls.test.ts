import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist, variantBandwidth, writeMasterPlaylist } from './hls.js';
import { parseEbur128Summary } from './loudness.js';
import { outputSampleRate } from './render.js';

describe('HLS playlists', () => {
  it('a media playlist is read with its init segment, segments and end', () => {
    const text = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.013968,\nseg-0.m4s\n#EXTINF:0.023220,\nseg-1.m4s\n#EXT-X-ENDLIST\n';
    expect(parseMediaPlaylist(text)).toStrictEqual({
      init: 'init.mp4',
      targetDuration: 6,
      ended: true,
      segments: [
        { uri: 'seg-0.m4s', seconds: 6.013968 },
        { uri: 'seg-1.m4s', seconds: 0.02322 },
      ],
    });
    expect(() => parseMediaPlaylist('seg.m4s')).toThrow(/EXTM3U/);
  });

  it('BANDWIDTH is the peak over segments of a second or more; AVERAGE-BANDWIDTH over all', () => {
    const segments = [
      { seconds: 6, bytes: 96_000 },
      { seconds: 6, bytes: 102_000 },
      { seconds: 0.02, bytes: 600 },
    ];
    expect(variantBandwidth(segments)).toStrictEqual({ bandwidth: 136_000, averageBandwidth: Math.ceil((198_600 * 8) / 12.02) });
  });

  it('a master playlist written lists each variant with BANDWIDTH and CODECS, and reads back', () => {
    const text = writeMasterPlaylist([
      { uri: '128/index.m3u8', bandwidth: 140_000, averageBandwidth: 130_000, codecs: 'mp4a.40.2' },
      { uri: '320/index.m3u8', bandwidth: 340_000, averageBandwidth: 320_000, codecs: 'mp4a.40.2' },
    ]);
    expect(parseMasterPlaylist(text)).toStrictEqual([
      { uri: '128/index.m3u8', attributes: { BANDWIDTH: '140000', 'AVERAGE-BANDWIDTH': '130000', CODECS: 'mp4a.40.2' } },
      { uri: '320/index.m3u8', attributes: { BANDWIDTH: '340000', 'AVERAGE-BANDWIDTH': '320000', CODECS: 'mp4a.40.2' } },
    ]);
  });
});

describe('EBU R128 summary', () => {
  const summary = (i: string, peak: string) =>
    `[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         ${i} LUFS\n    Threshold: -31.8 LUFS\n\n  Loudness range:\n    LRA:         4.2 LU\n    Threshold: -41.8 LUFS\n\n  True peak:\n    Peak:      ${peak} dBFS\n`;

  it('integrated loudness, loudness range and true peak are read from the summary', () => {
    expect(parseEbur128Summary(`t: 0.1 M: -20\n${summary('-14.3', '-0.9')}`)).toStrictEqual({ integratedLufs: -14.3, truePeakDbtp: -0.9, loudnessRangeLu: 4.2 });
  });

  it('digital silence (-inf peak) is recorded as -70 LUFS and -200 dBTP; no summary is an error', () => {
    expect(parseEbur128Summary(summary('-70.0', '-inf'))).toStrictEqual({ integratedLufs: -70, truePeakDbtp: -200, loudnessRangeLu: 4.2 });
    expect(() => parseEbur128Summary('nothing here')).toThrow(/no EBU R128 summary/);
  });
});

describe('output sample rate', () => {
  it.each([
    [22_050, 22_050],
    [44_100, 44_100],
    [48_000, 48_000],
    [88_200, 44_100],
    [96_000, 48_000],
    [176_400, 44_100],
    [192_000, 48_000],
  ])('%i Hz is encoded at %i Hz', (input, output) => expect(outputSampleRate(input)).toBe(output));
});
