import { inflateSync } from 'node:zlib';
import { OTP_TAG, reviveTagged } from './tagged.js';
import {
  BitBinary,
  ImproperList,
  OpaqueTerm,
  type PidCodec,
  Tag,
  TermError,
  VERSION,
} from './terms.js';

// Decoding the external term format (OTP's erl_ext_dist) into JavaScript values, for
// terms that come from another node: untrusted. Every length is checked against the
// bytes that are left before anything is allocated, nesting is bounded, a compressed
// term may not inflate past the limit, and any fault is a TermError (the connection
// that sent it is closed; nothing else is disturbed).

/** Bounds on what one decoded term may cost. @internal */
export interface DecodeLimits {
  /** The deepest nesting of lists, tuples and maps. @defaultValue 1000 */
  maxDepth?: number;
  /** The largest size a compressed term may claim. @defaultValue 64 MB */
  maxInflated?: number;
}

const DEFAULT_MAX_DEPTH = 1000;
const DEFAULT_MAX_INFLATED = 64 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const latin1 = new TextDecoder('latin1');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MAP_KIND = Symbol.for('map');

/**
 * Decodes one term, `bytes` starting with the version byte 131 and holding nothing
 * after the term.
 * @throws TermError for anything malformed, truncated, too deep or too large.
 * @internal
 */
export function decodeTerm(bytes: Uint8Array, codec: PidCodec, limits: DecodeLimits = {}): unknown {
  const reader = new Reader(bytes, codec, limits);
  return reader.whole();
}

/**
 * Decodes the terms of a distribution message: the control message and, when there
 * is one, the payload, each with its own version byte, back to back.
 * @internal
 */
export function decodeTerms(
  bytes: Uint8Array,
  codec: PidCodec,
  limits: DecodeLimits = {},
): unknown[] {
  const reader = new Reader(bytes, codec, limits);
  return reader.all();
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #codec: PidCodec;
  readonly #maxDepth: number;
  readonly #maxInflated: number;
  #pos = 0;
  #depth = 0;

  constructor(bytes: Uint8Array, codec: PidCodec, limits: DecodeLimits) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#codec = codec;
    this.#maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#maxInflated = limits.maxInflated ?? DEFAULT_MAX_INFLATED;
  }

  whole(): unknown {
    const term = this.#versioned();
    if (this.#pos !== this.#bytes.length) {
      throw new TermError(`${this.#bytes.length - this.#pos} bytes after the term`);
    }
    return term;
  }

  all(): unknown[] {
    const terms: unknown[] = [];
    while (this.#pos < this.#bytes.length) terms.push(this.#versioned());
    return terms;
  }

  #versioned(): unknown {
    const version = this.#u8();
    if (version !== VERSION) throw new TermError(`expected the version byte 131, got ${version}`);
    return this.#term();
  }

  #need(n: number): void {
    if (n < 0 || this.#pos + n > this.#bytes.length) {
      throw new TermError(
        `the term is truncated: ${n} bytes needed at ${this.#pos}, ${this.#bytes.length - this.#pos} left`,
      );
    }
  }

  #u8(): number {
    this.#need(1);
    return this.#bytes[this.#pos++]!;
  }

  #u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#pos);
    this.#pos += 2;
    return v;
  }

  #u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }

  #i32(): number {
    this.#need(4);
    const v = this.#view.getInt32(this.#pos);
    this.#pos += 4;
    return v;
  }

  #slice(n: number): Uint8Array {
    this.#need(n);
    const out = this.#bytes.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** A count of items, each at least `minBytes` long: checked against what is left. */
  #count(n: number, minBytes: number): number {
    if (n * minBytes > this.#bytes.length - this.#pos) {
      throw new TermError(`a count of ${n} at ${this.#pos} exceeds the bytes left`);
    }
    return n;
  }

  #term(): unknown {
    const at = this.#pos;
    const tag = this.#u8();
    switch (tag) {
      case Tag.SMALL_INTEGER:
        return this.#u8();
      case Tag.INTEGER:
        return this.#i32();
      case Tag.NEW_FLOAT: {
        this.#need(8);
        const v = this.#view.getFloat64(this.#pos);
        this.#pos += 8;
        return v;
      }
      case Tag.FLOAT: {
        const text = latin1.decode(this.#slice(31)).replace(/\0.*$/s, '');
        const v = Number.parseFloat(text);
        if (Number.isNaN(v))
          throw new TermError(`a FLOAT_EXT that is no number: ${JSON.stringify(text)}`);
        return v;
      }
      case Tag.SMALL_BIG:
        return this.#big(this.#u8());
      case Tag.LARGE_BIG:
        return this.#big(this.#u32());
      case Tag.ATOM:
      case Tag.ATOM_UTF8:
      case Tag.SMALL_ATOM:
      case Tag.SMALL_ATOM_UTF8:
        return atomValue(this.#atomText(tag));
      case Tag.SMALL_TUPLE:
        return this.#tuple(this.#u8());
      case Tag.LARGE_TUPLE:
        return this.#tuple(this.#u32());
      case Tag.NIL:
        return [];
      case Tag.STRING: {
        const n = this.#u16();
        return Array.from(this.#slice(n));
      }
      case Tag.LIST:
        return this.#list(this.#u32());
      case Tag.BINARY:
        return binaryValue(this.#slice(this.#u32()));
      case Tag.BIT_BINARY: {
        const n = this.#u32();
        const bits = this.#u8();
        if (bits < 1 || bits > 8 || n === 0)
          throw new TermError(`a bit binary with ${bits} bits in its last of ${n} bytes`);
        const bytes = this.#slice(n);
        return bits === 8 ? binaryValue(bytes) : new BitBinary(bytes, bits);
      }
      case Tag.MAP:
        return this.#map(this.#u32());
      case Tag.NEW_PID:
      case Tag.PID: {
        const node = this.#nodeName();
        const id = this.#u32();
        const serial = this.#u32();
        const creation = tag === Tag.NEW_PID ? this.#u32() : this.#u8();
        return this.#codec.pid({ node, id, serial, creation });
      }
      case Tag.NEWER_REFERENCE:
      case Tag.NEW_REFERENCE: {
        const n = this.#u16();
        if (n < 1 || n > 5) throw new TermError(`a reference of ${n} words`);
        const node = this.#nodeName();
        const creation = tag === Tag.NEWER_REFERENCE ? this.#u32() : this.#u8();
        const words: number[] = [];
        for (let i = 0; i < n; i++) words.push(this.#u32());
        return this.#codec.ref({ node, creation, words });
      }
      case Tag.REFERENCE: {
        const node = this.#nodeName();
        const word = this.#u32();
        const creation = this.#u8();
        return this.#codec.ref({ node, creation, words: [word] });
      }
      case Tag.NEW_PORT:
      case Tag.V4_PORT:
      case Tag.PORT:
        this.#nodeName();
        this.#need(tag === Tag.V4_PORT ? 12 : tag === Tag.NEW_PORT ? 8 : 5);
        this.#pos += tag === Tag.V4_PORT ? 12 : tag === Tag.NEW_PORT ? 8 : 5;
        return new OpaqueTerm('port', this.#bytes.slice(at, this.#pos));
      case Tag.NEW_FUN: {
        const size = this.#u32();
        // Size counts itself: what is left of the fun is size - 4 bytes.
        this.#need(size - 4);
        this.#pos += size - 4;
        return new OpaqueTerm('fun', this.#bytes.slice(at, this.#pos));
      }
      case Tag.EXPORT:
        this.#nested(() => {
          this.#term();
          this.#term();
          this.#term();
        });
        return new OpaqueTerm('export', this.#bytes.slice(at, this.#pos));
      case Tag.FUN: {
        const free = this.#count(this.#u32(), 1);
        this.#nested(() => {
          for (let i = 0; i < 4 + free; i++) this.#term(); // pid, module, index, uniq, free vars
        });
        return new OpaqueTerm('fun', this.#bytes.slice(at, this.#pos));
      }
      case Tag.COMPRESSED:
        return this.#compressed();
      case Tag.ATOM_CACHE_REF:
        throw new TermError('an atom cache reference, but no atom cache was agreed');
      default:
        throw new TermError(`unknown tag ${tag} at ${at}`);
    }
  }

  #nested<T>(read: () => T): T {
    if (++this.#depth > this.#maxDepth)
      throw new TermError(`terms nested deeper than ${this.#maxDepth}`);
    try {
      return read();
    } finally {
      this.#depth--;
    }
  }

  #atomText(tag: number): string {
    const n = tag === Tag.SMALL_ATOM || tag === Tag.SMALL_ATOM_UTF8 ? this.#u8() : this.#u16();
    // Most atoms are short ASCII (every pid and ref carries its node's name): read them
    // in place, without a copy or a TextDecoder call.
    if (n <= 64) {
      this.#need(n);
      const at = this.#pos;
      const bytes = this.#bytes;
      let ascii = true;
      for (let i = at; i < at + n; i++) {
        if (bytes[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.#pos += n;
        return String.fromCharCode.apply(null, bytes.subarray(at, at + n) as unknown as number[]);
      }
    }
    const bytes = this.#slice(n);
    if (tag === Tag.ATOM || tag === Tag.SMALL_ATOM) return latin1.decode(bytes);
    try {
      return utf8.decode(bytes);
    } catch {
      throw new TermError('an atom whose text is not UTF-8');
    }
  }

  /** The node name of a pid, port or reference: an atom. */
  #nodeName(): string {
    const tag = this.#u8();
    if (
      tag !== Tag.ATOM &&
      tag !== Tag.ATOM_UTF8 &&
      tag !== Tag.SMALL_ATOM &&
      tag !== Tag.SMALL_ATOM_UTF8
    ) {
      throw new TermError(`expected a node name (an atom), got tag ${tag}`);
    }
    return this.#atomText(tag);
  }

  #big(n: number): number | bigint {
    const sign = this.#u8();
    if (sign !== 0 && sign !== 1) throw new TermError(`a big integer with sign byte ${sign}`);
    const digits = this.#slice(n);
    // Through hex, in linear time: a loop of shifts is quadratic, which a peer could
    // use to stall the node with one large integer.
    let hex = '0x0';
    for (let i = n - 1; i >= 0; i--) hex += HEX[digits[i]!];
    let value = BigInt(hex);
    if (sign === 1) value = -value;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }

  #tuple(arity: number): unknown {
    this.#count(arity, 1);
    return this.#nested(() => {
      const elements: unknown[] = new Array(arity);
      for (let i = 0; i < arity; i++) {
        elements[i] =
          i === 2 && arity === 3 && elements[0] === OTP_TAG && elements[1] === MAP_KIND
            ? this.#mapPayload()
            : this.#term();
      }
      return reviveTagged(elements, this.#codec);
    });
  }

  #list(length: number): unknown {
    this.#count(length, 1);
    return this.#nested(() => {
      const items: unknown[] = new Array(length);
      for (let i = 0; i < length; i++) items[i] = this.#term();
      const tail = this.#term();
      if (Array.isArray(tail) && tail.length === 0) return items;
      return new ImproperList(items, tail);
    });
  }

  /**
   * The payload of a tagged Map (`{'$otp', map, #{...}}`): read as a Map even when
   * its keys are strings, so that it keeps its order (an object puts integer-like keys first).
   */
  #mapPayload(): unknown {
    if (this.#bytes[this.#pos] !== Tag.MAP) return this.#term();
    this.#pos++;
    return this.#map(this.#u32(), true);
  }

  #map(arity: number, asMap = false): unknown {
    this.#count(arity, 2);
    return this.#nested(() => {
      const keys: unknown[] = new Array(arity);
      const values: unknown[] = new Array(arity);
      let allStrings = true;
      for (let i = 0; i < arity; i++) {
        keys[i] = this.#term();
        values[i] = this.#term();
        if (typeof keys[i] !== 'string') allStrings = false;
      }
      if (allStrings && !asMap) {
        // A null-prototype object: a key such as "__proto__" is only a key.
        const out = Object.create(null) as Record<string, unknown>;
        for (let i = 0; i < arity; i++) out[keys[i] as string] = values[i];
        return Object.setPrototypeOf(out, Object.prototype) as Record<string, unknown>;
      }
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < arity; i++) out.set(keys[i], values[i]);
      return out;
    });
  }

  #compressed(): unknown {
    const size = this.#u32();
    if (size > this.#maxInflated) {
      throw new TermError(
        `a compressed term of ${size} bytes, over the limit of ${this.#maxInflated}`,
      );
    }
    let inflated: Buffer;
    try {
      inflated = inflateSync(this.#bytes.subarray(this.#pos), {
        maxOutputLength: Math.max(size, 1),
      });
    } catch (error) {
      throw new TermError(`a compressed term that does not inflate: ${(error as Error).message}`);
    }
    if (inflated.length !== size) {
      throw new TermError(
        `a compressed term that inflates to ${inflated.length} bytes, not the ${size} it claims`,
      );
    }
    // The compressed data runs to the end of what was given: a term inside a message
    // is the last one (Erlang compresses the whole payload).
    this.#pos = this.#bytes.length;
    const inner = new Reader(
      new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length),
      this.#codec,
      {
        maxDepth: this.#maxDepth - this.#depth,
        maxInflated: 0,
      },
    );
    const term = inner.#term();
    if (inner.#pos !== inflated.length) throw new TermError('bytes after a compressed term');
    return term;
  }
}

/** An atom as JavaScript sees it: booleans, `nil` as null, `undefined`, else a registered symbol. */
function atomValue(text: string): unknown {
  switch (text) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'nil':
      return null;
    case 'undefined':
      return undefined;
    default:
      return Symbol.for(text);
  }
}

/** A binary: a string when it is UTF-8 text, else its bytes. */
function binaryValue(bytes: Uint8Array): string | Uint8Array {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}
