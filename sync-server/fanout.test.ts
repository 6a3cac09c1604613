import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { decodeFanout, encodeFanout, readFanout, writeFanout, type FanoutFrame } from './fanout.js';

const frames: fc.Arbitrary<FanoutFrame> = fc.record({
  nodeId: fc.string({ unit: 'grapheme', maxLength: 64 }),
  // Every double, NaN and -0 included: the frame carries the 8 bytes as they are.
  sentAt: fc.double(),
  update: fc.uint8Array({ maxLength: 512 }),
});

describe('the fan-out frame', () => {
  it('reads back what was written (writeFanout, readFanout)', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        const encoder = encoding.createEncoder();
        writeFanout(encoder, frame);
        const decoder = decoding.createDecoder(encoding.toUint8Array(encoder));
        const read = readFanout(decoder);
        expect(read.nodeId).toBe(frame.nodeId);
        expect(Object.is(read.sentAt, frame.sentAt)).toBe(true);
        expect(read.update).toEqual(frame.update);
        expect(decoding.hasContent(decoder)).toBe(false);
      }),
    );
  });

  it('decodes what encodeFanout made', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        const decoded = decodeFanout(encodeFanout(frame));
        expect(decoded).toBeDefined();
        expect(decoded!.nodeId).toBe(frame.nodeId);
        expect(Object.is(decoded!.sentAt, frame.sentAt)).toBe(true);
        expect(decoded!.update).toEqual(frame.update);
      }),
    );
  });

  it('refuses a frame cut short anywhere', () => {
    fc.assert(
      fc.property(frames, fc.nat(), (frame, cut) => {
        const bytes = encodeFanout(frame);
        // A view on the whole frame's buffer: reading must stop at the view's end, not the buffer's.
        const truncated = bytes.subarray(0, cut % bytes.length);
        expect(() => readFanout(decoding.createDecoder(truncated))).toThrow();
        expect(decodeFanout(truncated)).toBeUndefined();
      }),
    );
  });

  it('refuses a frame followed by trailing bytes', () => {
    fc.assert(
      fc.property(frames, fc.uint8Array({ minLength: 1, maxLength: 16 }), (frame, extra) => {
        const bytes = encodeFanout(frame);
        const padded = new Uint8Array(bytes.length + extra.length);
        padded.set(bytes);
        padded.set(extra, bytes.length);
        expect(() => readFanout(decoding.createDecoder(padded))).toThrow(/trailing bytes/);
        expect(decodeFanout(padded)).toBeUndefined();
      }),
    );
  });

  it('answers undefined, never throws, for garbage', () => {
    const empty = new Uint8Array(0);
    expect(decodeFanout(empty)).toBeUndefined();
    // A length far beyond the bytes that follow it.
    expect(decodeFanout(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3))).toBeUndefined();
    // Text where a frame should be (a publisher of another format on the channel).
    expect(decodeFanout(new TextEncoder().encode('{"nodeId":"n1","update":[1,2,3]}'))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const decoded = decodeFanout(bytes);
        // Random bytes are seldom a frame; when they are, every field was read within them.
        if (decoded !== undefined) {
          expect(typeof decoded.nodeId).toBe('string');
          expect(typeof decoded.sentAt).toBe('number');
          expect(decoded.update.byteLength).toBeLessThan(bytes.byteLength);
        }
      }),
    );
  });
});
