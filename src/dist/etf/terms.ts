// The Erlang terms that have no JavaScript value of their own, and the tags of the
// external term format (OTP's erl_ext_dist). The mapping from JavaScript values to
// terms and back is in encode.ts and decode.ts; this file is what both share.

/** The version byte every encoded term starts with. @internal */
export const VERSION = 131;

/** The tags of the external term format that otp-ts reads or writes. @internal */
export const Tag = {
  NEW_FLOAT: 70,
  BIT_BINARY: 77,
  COMPRESSED: 80,
  ATOM_CACHE_REF: 82,
  NEW_PID: 88,
  NEW_PORT: 89,
  NEWER_REFERENCE: 90,
  SMALL_INTEGER: 97,
  INTEGER: 98,
  FLOAT: 99,
  ATOM: 100,
  REFERENCE: 101,
  PORT: 102,
  PID: 103,
  SMALL_TUPLE: 104,
  LARGE_TUPLE: 105,
  NIL: 106,
  STRING: 107,
  LIST: 108,
  BINARY: 109,
  SMALL_BIG: 110,
  LARGE_BIG: 111,
  NEW_FUN: 112,
  EXPORT: 113,
  NEW_REFERENCE: 114,
  SMALL_ATOM: 115,
  MAP: 116,
  FUN: 117,
  ATOM_UTF8: 118,
  SMALL_ATOM_UTF8: 119,
  V4_PORT: 120,
  LOCAL: 121,
} as const;

/**
 * An Erlang tuple, which JavaScript has not: what an Erlang or Elixir node sends as
 * `{:add_employees, 4}` arrives as `new Tuple(Symbol.for('add_employees'), 4)`, and a
 * `Tuple` sent to one arrives as a tuple (an array would be a list).
 *
 * @example
 * ```ts
 * GenServer.cast(rt, { name: 'Test1', node: 'store@localhost' }, new Tuple(Symbol.for('add_employees'), 4));
 * if (msg instanceof Tuple && msg.elements[0] === Symbol.for('add_employees')) add(msg.elements[1]);
 * ```
 * @see The README's table of how JavaScript values and Erlang terms map.
 */
export class Tuple {
  /** The elements, in order. */
  readonly elements: readonly unknown[];
  /** @param elements - the tuple's elements, in order: `new Tuple(Symbol.for('ok'), 42)` is `{:ok, 42}`. */
  constructor(...elements: unknown[]) {
    this.elements = elements;
  }
  /** How many elements it has (Erlang's `tuple_size/1`). */
  get length(): number {
    return this.elements.length;
  }
}

/**
 * A list whose tail is not the empty list (`[a, b | c]`): Erlang has them, JavaScript
 * arrays cannot say them. @internal
 */
export class ImproperList {
  constructor(
    readonly items: readonly unknown[],
    readonly tail: unknown,
  ) {}
}

/**
 * A bitstring whose length is not a whole number of bytes: `bits` (1 to 8) of the
 * last byte count. @internal
 */
export class BitBinary {
  constructor(
    readonly bytes: Uint8Array,
    readonly bits: number,
  ) {}
}

/**
 * A term otp-ts carries but cannot use (a port, a fun, an external fun): kept as its
 * encoded bytes, so that it goes back to Erlang exactly as it came. @internal
 */
export class OpaqueTerm {
  constructor(
    /** `'port'`, `'fun'` or `'export'`. */
    readonly kind: 'port' | 'fun' | 'export',
    /** The term's bytes, its tag first. */
    readonly bytes: Uint8Array,
  ) {}
}

/** What a pid is on the wire. @internal */
export interface WirePid {
  node: string;
  id: number;
  serial: number;
  creation: number;
}

/** What a reference is on the wire: up to five 32-bit words. @internal */
export interface WireRef {
  node: string;
  creation: number;
  words: readonly number[];
}

/**
 * How pids and refs cross the codec: the node layer interns them (one `Pid` object
 * per process) and knows which are its own. @internal
 */
export interface PidCodec {
  /** The wire form of a pid or ref, or `undefined` when `value` is neither. */
  pidOf(value: unknown): WirePid | undefined;
  refOf(value: unknown): WireRef | undefined;
  /** The JavaScript value of a pid or ref that came in. */
  pid(wire: WirePid): unknown;
  ref(wire: WireRef): unknown;
}

/** A term that cannot be decoded (or encoded): the connection that sent it is closed. @internal */
export class TermError extends Error {
  override name = 'TermError';
}
