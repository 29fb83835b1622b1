import { encodeTerm } from '../etf/encode.js';
import { grown } from '../etf/grow.js';
import { type EncodedTerm, type PidCodec, Tag, VERSION } from '../etf/terms.js';

// The writer of distribution messages: a control tuple of small integers, atoms, pids
// and refs given by their parts (no Pid object needed), and terms the codec already
// encoded at the send (copied then), embedded as they are. Each message is a frame
// (4-byte length, the pass-through byte 112, its terms); the frames of a turn's batch
// are written back to back into one buffer, reused from batch to batch, and leave in
// one socket write.

const utf8 = new TextEncoder();
const TWO_32 = 2 ** 32;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The type byte of every distribution message after the handshake. */
const PASS_THROUGH = 112;

/** Atoms written again and again: their bytes, made once. */
const atomBytes = new Map<string, Uint8Array>();

function atomOf(name: string): Uint8Array {
  let bytes = atomBytes.get(name);
  if (bytes === undefined) {
    bytes = utf8.encode(name);
    if (atomBytes.size < 10_000) atomBytes.set(name, bytes);
  }
  return bytes;
}

/** No codec: the writer only embeds terms encoded elsewhere. */
const NO_CODEC: PidCodec = {
  pidOf: () => undefined,
  refOf: () => undefined,
  pid: () => undefined,
  ref: () => undefined,
};

/** @internal */
export class ControlWriter {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;
  /** Where the message being written starts (its length field). */
  #frame = 0;

  /** How many bytes wait to be taken. */
  get size(): number {
    return this.#pos;
  }

  /** Starts a message after those written so far: its frame header and its control term's version byte. */
  begin(): this {
    this.#frame = this.#pos;
    this.#room(6);
    this.#pos += 4;
    this.#buf[this.#pos++] = PASS_THROUGH;
    this.#buf[this.#pos++] = VERSION;
    return this;
  }

  /** Ends the message being written: its frame's length. */
  end(): void {
    this.#view.setUint32(this.#frame, this.#pos - this.#frame - 4);
  }

  /** Ends the message being written; `true`, for the translator's "a message was written". */
  done(): true {
    this.end();
    return true;
  }

  /** Drops the message being written. */
  drop(): void {
    this.#pos = this.#frame;
  }

  /** The frames written since the last take, as bytes of their own (`undefined`: none). */
  take(): Uint8Array | undefined {
    if (this.#pos === 0) return undefined;
    const bytes = this.#buf.slice(0, this.#pos);
    this.#pos = 0;
    this.#frame = 0;
    return bytes;
  }

  /** Starts a second term (the payload) after the control term. */
  payload(): this {
    this.#u8(VERSION);
    return this;
  }

  tuple(arity: number): this {
    this.#u8(Tag.SMALL_TUPLE);
    this.#u8(arity);
    return this;
  }

  /** A proper list's header: `length` elements follow, then `nil()`. */
  list(length: number): this {
    this.#u8(Tag.LIST);
    this.#room(4);
    this.#view.setUint32(this.#pos, length);
    this.#pos += 4;
    return this;
  }

  nil(): this {
    this.#u8(Tag.NIL);
    return this;
  }

  int(value: number | bigint): this {
    if (typeof value === 'number' && Number.isInteger(value)) {
      if (value >= 0 && value <= 255) {
        this.#u8(Tag.SMALL_INTEGER);
        this.#u8(value);
        return this;
      }
      if (value >= -0x80000000 && value <= 0x7fffffff) {
        this.#u8(Tag.INTEGER);
        this.#room(4);
        this.#view.setInt32(this.#pos, value);
        this.#pos += 4;
        return this;
      }
    }
    // encodeTerm writes a safe integer as an Erlang integer (a bigint would be tagged).
    const plain =
      typeof value === 'bigint' && value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
    return this.term(encodeTerm(plain, NO_CODEC));
  }

  atom(name: string): this {
    const bytes = atomOf(name);
    if (bytes.length < 256) {
      this.#u8(Tag.SMALL_ATOM_UTF8);
      this.#u8(bytes.length);
    } else {
      this.#u8(Tag.ATOM_UTF8);
      this.#room(2);
      this.#view.setUint16(this.#pos, bytes.length);
      this.#pos += 2;
    }
    this.#raw(bytes, 0);
    return this;
  }

  /** A pid: otp-ts pid ids past 32 bits go on in the serial. */
  pid(node: string, id: number, creation: number): this {
    this.#u8(Tag.NEW_PID);
    this.atom(node);
    this.#room(12);
    this.#view.setUint32(this.#pos, id % TWO_32);
    this.#view.setUint32(this.#pos + 4, Math.floor(id / TWO_32));
    this.#view.setUint32(this.#pos + 8, creation);
    this.#pos += 12;
    return this;
  }

  ref(node: string, creation: number, words: readonly number[]): this {
    this.#u8(Tag.NEWER_REFERENCE);
    this.#room(2);
    this.#view.setUint16(this.#pos, words.length);
    this.#pos += 2;
    this.atom(node);
    this.#room(4 + 4 * words.length);
    this.#view.setUint32(this.#pos, creation);
    this.#pos += 4;
    for (const word of words) {
      this.#view.setUint32(this.#pos, word);
      this.#pos += 4;
    }
    return this;
  }

  /** `[alias | Ref]`: the tag of a call made with an alias (OTP 24 and later). */
  aliasTag(node: string, creation: number, words: readonly number[]): this {
    this.#u8(Tag.LIST);
    this.#room(4);
    this.#view.setUint32(this.#pos, 1);
    this.#pos += 4;
    this.atom('alias');
    return this.ref(node, creation, words);
  }

  /** A term encoded without its version byte (an exit reason). */
  embed(encoded: EncodedTerm): this {
    this.#raw(encoded.bytes, 0);
    return this;
  }

  /** A term encoded by `encodeTerm` (its version byte is skipped). */
  term(encoded: Uint8Array): this {
    this.#raw(encoded, 1);
    return this;
  }

  #u8(v: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = v;
  }

  #raw(bytes: Uint8Array, from: number): void {
    const n = bytes.length - from;
    this.#room(n);
    this.#buf.set(from === 0 ? bytes : bytes.subarray(from), this.#pos);
    this.#pos += n;
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    this.#buf = grown(this.#buf, this.#pos, n);
    this.#view = new DataView(this.#buf.buffer);
  }
}
