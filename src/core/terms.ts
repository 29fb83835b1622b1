// The Erlang terms that have no JavaScript value of their own. They live in the core,
// apart from the external term format that reads and writes them (src/dist/etf/), so
// that a copy (`messages: 'copy'`, the thread carrier) keeps them as they are: a
// program that receives one from an Erlang node may pass it on to any process.
// A leaf: this file imports nothing.

/**
 * An Erlang tuple, which JavaScript has no value for. A tuple sent to an Erlang or
 * Elixir node is a tuple there, and a tuple that comes from one is a `Tuple` here; a
 * copy (`messages: 'copy'`, another node) gives back a `Tuple`.
 *
 * @example
 * ```ts
 * // Elixir's {:ok, 42}:
 * const reply = new Tuple(Symbol.for('ok'), 42);
 * reply.elements[1]; // 42
 * reply.length; // 2
 * ```
 * @see ImproperList, BitBinary, OpaqueTerm for the other terms with no JavaScript twin.
 */
export class Tuple {
  /** The elements, in order. */
  readonly elements: readonly unknown[];

  /** @param elements - the tuple's elements, in order (none for the empty tuple `{}`). */
  constructor(...elements: unknown[]) {
    this.elements = elements;
  }

  /** The number of elements (Erlang's `tuple_size/1`). */
  get length(): number {
    return this.elements.length;
  }
}

/**
 * A list whose tail is not the empty list, as an Erlang node may send one: `[a, b | c]`
 * is `new ImproperList([a, b], c)`. JavaScript arrays cannot say it; a proper list is
 * an array. It is copied (and sent back to Erlang) as it came.
 *
 * @example
 * ```ts
 * const term = new ImproperList([1, 2], Symbol.for('tail')); // Erlang's [1, 2 | tail]
 * ```
 */
export class ImproperList {
  /**
   * @param items - the elements before the tail (at least one).
   * @param tail - the tail: anything but an array.
   */
  constructor(
    /** The elements before the tail. */
    readonly items: readonly unknown[],
    /** The last tail, which is not `[]`. */
    readonly tail: unknown,
  ) {}
}

/**
 * A bitstring whose length is not a whole number of bytes, as an Erlang node may send
 * one (`<<5:3>>` is `new BitBinary(Uint8Array.of(0xa0), 3)`): only the first `bits`
 * bits of the last byte count (1 to 7 as Erlang sends them). A binary is a string or a `Uint8Array`.
 *
 * @example
 * ```ts
 * const bits = new BitBinary(Uint8Array.of(0xa0), 3); // Erlang's <<5:3>>
 * ```
 */
export class BitBinary {
  /**
   * @param bytes - the bytes, the last one holding `bits` bits in its high end.
   * @param bits - how many bits of the last byte count (1 to 8).
   */
  constructor(
    /** The bytes, the last one partly used. */
    readonly bytes: Uint8Array,
    /** How many bits of the last byte count. */
    readonly bits: number,
  ) {}
}

/**
 * A term otp-ts can carry but not use, as an Erlang node may send one: a port, a fun
 * (`fun(X) -> X end`) or an external fun (`fun lists:map/2`). It keeps the term's
 * encoded bytes, so that passed back to Erlang it is exactly the term that came. Made
 * by otp-ts when it decodes a term; its bytes are sent unchecked.
 *
 * @example
 * ```ts
 * if (msg instanceof OpaqueTerm && msg.kind === 'fun') rt.send(erlangPid, msg); // back as it came
 * ```
 */
export class OpaqueTerm {
  /**
   * @param kind - what the term is.
   * @param bytes - the term in the external term format, its tag first (no version byte).
   */
  constructor(
    /** `'port'`, `'fun'` or `'export'` (an external fun). */
    readonly kind: 'port' | 'fun' | 'export',
    /** The term's encoded bytes, its tag first. */
    readonly bytes: Uint8Array,
  ) {}
}
