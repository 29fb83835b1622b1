import { Down, Exit, NodeDown, registeredClassOf } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { grown } from './grow.js';
import { reasonTerm } from './reason-terms.js';
import {
  errorPayload,
  looksTagged,
  Tagged,
  tagged,
  typedArrayName,
  utf16Bytes,
  VALUE_ATOMS,
} from './tagged.js';
import {
  BitBinary,
  EncodedTerm,
  ImproperList,
  OpaqueTerm,
  type PidCodec,
  Tag,
  TermError,
  Tuple,
  VERSION,
} from './terms.js';

// Encoding JavaScript values as Erlang terms (OTP's erl_ext_dist), by the table of the
// README: natural terms for what Erlang has (a string is a binary, an array a list, a
// plain object a map, a registered symbol an atom), a tagged tuple (tagged.ts) for
// what it has not, so that every value comes back as it left.

/** Bounds on what one encoded term may cost. @internal */
export interface EncodeLimits {
  /** The deepest nesting. @defaultValue 1000 */
  maxDepth?: number;
}

const utf8 = new TextEncoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Encodes `value` with the version byte first.
 * @throws TermError naming the path of a value that has no term (a function, a
 * symbol not made by `Symbol.for`, a class instance, a cycle).
 * @internal
 */
export function encodeTerm(value: unknown, codec: PidCodec, limits: EncodeLimits = {}): Uint8Array {
  // One writer serves every encoding (a send encodes each message): its buffer is
  // reused, and only the bytes of the term are copied out. An encoding inside another
  // (a codec's pidOf that encodes) gets a writer of its own.
  const idle = spare;
  spare = undefined;
  const writer = idle ?? new Writer();
  try {
    writer.reset(codec, limits.maxDepth ?? 1000);
    writer.u8(VERSION);
    writer.term(value, 'message');
    return writer.done();
  } finally {
    writer.release();
    spare = writer;
  }
}

/** The writer no encoding is using. */
let spare: Writer | undefined;

class Writer {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;
  #codec: PidCodec | undefined = undefined;
  #maxDepth = 1000;
  /** The objects on the path being encoded: a term cannot hold itself. */
  readonly #path = new Set<object>();

  /** Starts an encoding. */
  reset(codec: PidCodec, maxDepth: number): void {
    this.#codec = codec;
    this.#maxDepth = maxDepth;
    this.#pos = 0;
    this.#path.clear();
  }

  /** The encoding is over: drop what it held, and a buffer grown large. */
  release(): void {
    this.#codec = undefined;
    this.#path.clear();
    if (this.#buf.length > 64 * 1024) {
      this.#buf = new Uint8Array(256);
      this.#view = new DataView(this.#buf.buffer);
    }
  }

  done(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    this.#buf = grown(this.#buf, this.#pos, n);
    this.#view = new DataView(this.#buf.buffer);
  }

  u8(v: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = v;
  }

  #u16(v: number): void {
    this.#room(2);
    this.#view.setUint16(this.#pos, v);
    this.#pos += 2;
  }

  #u32(v: number): void {
    this.#room(4);
    this.#view.setUint32(this.#pos, v);
    this.#pos += 4;
  }

  #bytes(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  term(value: unknown, path: string): void {
    switch (typeof value) {
      case 'string':
        if (isWellFormed(value)) this.#binary(utf8.encode(value));
        // A lone surrogate has no UTF-8: the code units travel as they are.
        else this.term(tagged('utf16', new BinaryBytes(utf16Bytes(value))), path);
        return;
      case 'number':
        this.#number(value);
        return;
      case 'bigint':
        if (value > MAX_SAFE || value < -MAX_SAFE) {
          this.#big(value);
          return;
        }
        // A bigint an Erlang integer would bring back as a number: tagged.
        this.term(tagged('bigint', Number(value)), path);
        return;
      case 'boolean':
        this.atom(value ? 'true' : 'false');
        return;
      case 'undefined':
        this.atom('undefined');
        return;
      case 'symbol': {
        const name = Symbol.keyFor(value);
        if (name === undefined) throw this.#fail(value, path, 'a symbol not made by Symbol.for');
        // The atoms JavaScript reads as true, false, null and undefined: tagged.
        if (VALUE_ATOMS.has(name)) this.term(tagged('symbol', name), path);
        else this.atom(name);
        return;
      }
      case 'function':
        throw this.#fail(value, path, 'a function');
    }
    if (value === null) {
      this.atom('nil');
      return;
    }
    this.#object(value as object, path);
    return;
  }

  atom(name: string): void {
    const bytes = utf8.encode(name);
    if (bytes.length > 255 * 4 || [...name].length > 255) {
      throw new TermError(`an atom of more than 255 characters: ${describeValue(name, 60)}`);
    }
    if (bytes.length < 256) {
      this.u8(Tag.SMALL_ATOM_UTF8);
      this.u8(bytes.length);
    } else {
      this.u8(Tag.ATOM_UTF8);
      this.#u16(bytes.length);
    }
    this.#bytes(bytes);
  }

  #binary(bytes: Uint8Array): void {
    this.u8(Tag.BINARY);
    this.#u32(bytes.length);
    this.#bytes(bytes);
  }

  #number(value: number): void {
    if (Number.isInteger(value) && !Object.is(value, -0)) {
      if (value >= 0 && value <= 255) {
        this.u8(Tag.SMALL_INTEGER);
        this.u8(value);
      } else if (value >= -0x80000000 && value <= 0x7fffffff) {
        this.u8(Tag.INTEGER);
        this.#room(4);
        this.#view.setInt32(this.#pos, value);
        this.#pos += 4;
      } else if (Number.isSafeInteger(value)) {
        this.#big(BigInt(value));
      } else {
        // An integer past 2^53 is a float in JavaScript: it travels as one.
        this.#float(value);
      }
      return;
    }
    if (Number.isFinite(value)) {
      this.#float(value);
      return;
    }
    this.term(tagged('float', String(value)), '');
  }

  #float(value: number): void {
    this.u8(Tag.NEW_FLOAT);
    this.#room(8);
    this.#view.setFloat64(this.#pos, value);
    this.#pos += 8;
  }

  #big(value: bigint): void {
    const negative = value < 0n;
    // Through hex, in linear time (a loop of shifts is quadratic in the size).
    let hex = (negative ? -value : value).toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const digits = new Uint8Array(hex.length / 2);
    for (let i = 0; i < digits.length; i++) {
      digits[i] = Number.parseInt(hex.slice(hex.length - 2 * i - 2, hex.length - 2 * i), 16);
    }
    if (digits.length < 256) {
      this.u8(Tag.SMALL_BIG);
      this.u8(digits.length);
    } else {
      this.u8(Tag.LARGE_BIG);
      this.#u32(digits.length);
    }
    this.u8(negative ? 1 : 0);
    this.#bytes(digits);
  }

  #object(value: object, path: string): void {
    const pid = this.#codec!.pidOf(value);
    if (pid !== undefined) {
      this.u8(Tag.NEW_PID);
      this.atom(pid.node);
      this.#u32(pid.id);
      this.#u32(pid.serial);
      this.#u32(pid.creation);
      return;
    }
    const ref = this.#codec!.refOf(value);
    if (ref !== undefined) {
      this.u8(Tag.NEWER_REFERENCE);
      this.#u16(ref.words.length);
      this.atom(ref.node);
      this.#u32(ref.creation);
      for (const word of ref.words) this.#u32(word);
      return;
    }
    if (value instanceof Tagged) {
      this.u8(Tag.SMALL_TUPLE);
      this.u8(3);
      this.atom('$otp');
      this.atom(value.kind);
      this.term(value.payload, path);
      return;
    }
    if (value instanceof PlainFields) {
      const entries = Object.entries(value.object);
      this.u8(Tag.MAP);
      this.#u32(entries.length);
      for (const [key, field] of entries) {
        this.#binary(utf8.encode(key));
        this.term(field, `${path}.${key}`);
      }
      return;
    }
    if (value instanceof OpaqueTerm || value instanceof EncodedTerm) {
      this.#bytes(value.bytes);
      return;
    }
    if (value instanceof Uint8Array) {
      this.#nested(value, path, () => this.term(tagged('bytes', new BinaryBytes(value)), path));
      return;
    }
    if (value instanceof BinaryBytes) {
      this.#binary(value.bytes);
      return;
    }
    if (value instanceof BitBinary) {
      this.u8(Tag.BIT_BINARY);
      this.#u32(value.bytes.length);
      this.u8(value.bits);
      this.#bytes(value.bytes);
      return;
    }
    this.#nested(value, path, () => this.#structure(value, path));
  }

  #nested(value: object, path: string, encode: () => void): void {
    if (this.#path.has(value)) throw this.#fail(value, path, 'a value that contains itself');
    if (this.#path.size >= this.#maxDepth) {
      throw new TermError(`the message is nested deeper than ${this.#maxDepth} at ${path}`);
    }
    this.#path.add(value);
    try {
      encode();
    } finally {
      this.#path.delete(value);
    }
  }

  #structure(value: object, path: string): void {
    if (Array.isArray(value)) {
      this.#list(value, [], path);
      return;
    }
    if (value instanceof Tuple) {
      if (looksTagged(value)) {
        // A tuple of the user's that would read as a tagged one: tagged itself.
        this.term(tagged('tuple', value.elements), path);
        return;
      }
      const n = value.elements.length;
      if (n < 256) {
        this.u8(Tag.SMALL_TUPLE);
        this.u8(n);
      } else {
        this.u8(Tag.LARGE_TUPLE);
        this.#u32(n);
      }
      for (let i = 0; i < n; i++) this.term(value.elements[i], `${path}.elements[${i}]`);
      return;
    }
    if (value instanceof ImproperList) {
      if (value.items.length === 0) throw this.#fail(value, path, 'an improper list with no items');
      this.#list(value.items, value.tail, path);
      return;
    }
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Object.prototype) {
      this.#object(new PlainFields(value), path);
      return;
    }
    if (proto === null) {
      this.term(tagged('nullproto', new PlainFields(value)), path);
      return;
    }
    if (value instanceof Map) {
      let stringKeys = true;
      for (const key of value.keys()) if (typeof key !== 'string') stringKeys = false;
      // A Map of string keys would come back as a plain object: tagged.
      if (stringKeys) {
        this.term(tagged('map', new PlainMap(value)), path);
        return;
      }
      this.#map(value, path);
      return;
    }
    if (value instanceof PlainMap) {
      this.#map(value.map, path);
      return;
    }
    if (value instanceof Set) {
      this.term(tagged('set', [...value]), path);
      return;
    }
    if (value instanceof Date) {
      this.term(tagged('date', value.getTime()), path);
      return;
    }
    if (value instanceof ArrayBuffer) {
      this.term(tagged('arraybuffer', new BinaryBytes(new Uint8Array(value))), path);
      return;
    }
    if (ArrayBuffer.isView(value)) {
      const name = typedArrayName(value);
      if (name !== undefined) {
        const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        this.term(tagged(name, new BinaryBytes(bytes)), path);
        return;
      }
    }
    if (value instanceof Error) {
      const className = registeredClassOf(value)?.name ?? value.constructor.name;
      this.term(tagged('error', errorPayload(value, className, new PlainFields(value))), path);
      return;
    }
    if (value instanceof Exit) {
      this.term(tagged('exit', new Tuple(value.from, reasonTerm(value.reason))), path);
      return;
    }
    if (value instanceof Down) {
      this.term(tagged('down', new Tuple(value.ref, value.pid, reasonTerm(value.reason))), path);
      return;
    }
    if (value instanceof NodeDown) {
      this.term(tagged('nodedown', new Tuple(value.node, reasonTerm(value.reason))), path);
      return;
    }
    const Class = registeredClassOf(value);
    if (Class !== undefined) {
      this.term(tagged('class', new Tuple(Class.name, new PlainFields(value))), path);
      return;
    }
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw this.#fail(
      value,
      path,
      `an instance of ${typeof name === 'string' && name !== '' ? name : 'an unknown class'}`,
    );
  }

  #list(items: readonly unknown[], tail: unknown, path: string): void {
    if (items.length === 0) {
      this.u8(Tag.NIL);
      return;
    }
    if (Array.isArray(tail) && tail.length === 0 && isByteList(items)) {
      // As Erlang writes a proper list of bytes: a STRING_EXT (it decodes to the same array).
      this.u8(Tag.STRING);
      this.#u16(items.length);
      this.#bytes(Uint8Array.from(items as number[]));
      return;
    }
    this.u8(Tag.LIST);
    this.#u32(items.length);
    for (let i = 0; i < items.length; i++) this.term(items[i], `${path}[${i}]`);
    this.term(tail, `${path}.tail`);
  }

  #map(map: Map<unknown, unknown>, path: string): void {
    this.u8(Tag.MAP);
    this.#u32(map.size);
    for (const [key, field] of map) {
      this.term(key, `${path}.keys()`);
      this.term(field, `${path}.get(${describeValue(key, 30)})`);
    }
  }

  #fail(value: unknown, path: string, what: string): TermError {
    return new TermError(
      `cannot encode ${what} (${describeValue(value, 60)}) at ${path}: send data, pids and refs`,
    );
  }
}

/** Whether a list is what Erlang writes as a STRING_EXT: up to 65,535 integers from 0 to 255. */
function isByteList(items: readonly unknown[]): boolean {
  if (items.length > 0xffff) return false;
  for (const item of items) {
    if (
      typeof item !== 'number' ||
      !Number.isInteger(item) ||
      item < 0 ||
      item > 255 ||
      Object.is(item, -0)
    )
      return false;
  }
  return true;
}

/** Bytes to write as a plain binary (the payload of a tagged value). */
class BinaryBytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** The own enumerable fields of an object, to write as a map of binary keys. */
class PlainFields {
  constructor(readonly object: object) {}
}

/** `String.prototype.isWellFormed` (Node.js 20; not yet in the ES2023 lib). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** A Map to write as a plain map (the payload of a tagged Map of string keys). */
class PlainMap {
  constructor(readonly map: Map<unknown, unknown>) {}
}
