// The tags of the external term format (OTP's erl_ext_dist) and what the encoder and
// the decoder share. The Erlang terms that have no JavaScript value of their own
// (Tuple, ImproperList, BitBinary, OpaqueTerm) live in the core (src/core/terms.ts),
// so that a copy keeps them; they are re-exported here for the codec's users. The
// mapping from JavaScript values to terms and back is in encode.ts and decode.ts.

export { BitBinary, ImproperList, OpaqueTerm, Tuple } from '../../core/kernel.js';

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
 * A term already encoded (its tag first, no version byte), to embed in another: the
 * encoder writes its bytes as they are. @internal
 */
export class EncodedTerm {
  constructor(readonly bytes: Uint8Array) {}
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
