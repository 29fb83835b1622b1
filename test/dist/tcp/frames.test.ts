import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, FrameReader, frame } from '../../../src/dist/tcp/frames.js';

describe('FrameReader', () => {
  it('gives the same frames however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.constantFrom<2 | 4>(2, 4),
        fc.array(fc.nat(), { maxLength: 10 }),
        (payloads, prefix, cuts) => {
          const stream = new Uint8Array(payloads.flatMap((p) => [...frame(prefix, p)]));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const reader = new FrameReader(prefix, 1000);
          const got: Uint8Array[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            got.push(...reader.push(stream.subarray(from, to)));
            from = to;
          }
          expect(got.map((g) => [...g])).toEqual(payloads.map((p) => [...p]));
          expect(reader.rest()).toHaveLength(0);
        },
      ),
    );
  });

  it('reads a tick as an empty frame', () => {
    expect(new FrameReader(4, 10).push(new Uint8Array(4))).toEqual([new Uint8Array(0)]);
  });

  it('refuses a frame over its limit from its length alone', () => {
    const reader = new FrameReader(4, 100);
    expect(() => reader.push(new Uint8Array([0, 0, 1, 0]))).toThrow(FrameError);
  });

  it('leaves the bytes after the frames it was asked for unread', () => {
    const reader = new FrameReader(2, 100);
    reader.append(new Uint8Array([...frame(2, Uint8Array.of(7)), 0, 0, 0, 9]));
    expect(reader.next()).toEqual(Uint8Array.of(7));
    expect(reader.rest()).toEqual(Uint8Array.of(0, 0, 0, 9));
  });
});
