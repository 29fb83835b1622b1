// Length-prefixed frames from a byte stream: TCP gives chunks, not messages. epmd and
// the handshake use a 2-byte length, a connection after its handshake a 4-byte one
// (where a frame of length 0 is a tick). A frame past the limit is refused, and the
// connection with it.

/** A frame longer than the reader accepts: the connection is closed. @internal */
export class FrameError extends Error {
  override name = 'FrameError';
}

/**
 * Assembles frames of a `prefix`-byte big-endian length from chunks, however they are
 * cut. Holds at most one frame's bytes; a frame's length is checked before it is
 * buffered.
 * @internal
 */
export class FrameReader {
  #pending: Uint8Array[] = [];
  #buffered = 0;

  constructor(
    readonly prefix: 2 | 4,
    readonly maxFrame: number,
  ) {}

  /** The frames completed by `chunk`, in order (a tick is an empty frame). */
  push(chunk: Uint8Array): Uint8Array[] {
    this.append(chunk);
    const frames: Uint8Array[] = [];
    for (let f = this.next(); f !== undefined; f = this.next()) frames.push(f);
    return frames;
  }

  /** Adds bytes without reading frames from them. */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next whole frame, if one has arrived; the bytes after it stay unread. */
  next(): Uint8Array | undefined {
    if (this.#buffered < this.prefix) return undefined;
    const head = this.#peek(this.prefix);
    const length =
      this.prefix === 2
        ? (head[0]! << 8) | head[1]!
        : ((head[0]! << 24) >>> 0) + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
    if (length > this.maxFrame) {
      throw new FrameError(`a frame of ${length} bytes, over the limit of ${this.maxFrame}`);
    }
    if (this.#buffered < this.prefix + length) return undefined;
    this.#take(this.prefix);
    return this.#take(length);
  }

  /** Bytes received after the last whole frame (what a switch of framing inherits). */
  rest(): Uint8Array {
    return this.#take(this.#buffered);
  }

  #peek(n: number): Uint8Array {
    const first = this.#pending[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return this.#join().subarray(0, n);
  }

  #take(n: number): Uint8Array {
    let first = this.#pending[0];
    if (first !== undefined && first.length < n) first = this.#join();
    if (n === 0) return new Uint8Array(0);
    const out = first!.subarray(0, n);
    if (first!.length === n) this.#pending.shift();
    else this.#pending[0] = first!.subarray(n);
    this.#buffered -= n;
    return out;
  }

  #join(): Uint8Array {
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const part of this.#pending) {
      all.set(part, at);
      at += part.length;
    }
    this.#pending = [all];
    return all;
  }
}

/** `payload` behind its `prefix`-byte big-endian length. @internal */
export function frame(prefix: 2 | 4, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix + payload.length);
  const view = new DataView(out.buffer);
  if (prefix === 2) view.setUint16(0, payload.length);
  else view.setUint32(0, payload.length);
  out.set(payload, prefix);
  return out;
}
