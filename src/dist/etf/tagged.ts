import { Down, Exit, NodeDown, type Pid, type Ref, registeredClass } from '../../core/kernel.js';
import { reviveError, reviveInstance } from '../revive.js';
import { decodeReasonTerm } from './reason-terms.js';
import { type PidCodec, Tuple } from './terms.js';

// JavaScript values with no Erlang term of their own travel as a tagged tuple
// `{'$otp', Kind, Payload}`, so that they come back as they left (the README's term
// table lists them): what Erlang code sees is plain data it can pass along. A tuple
// of the user's that would read as a tagged one is itself tagged (`tuple`).
//
// The payload is decoded before its tuple (terms are read depth first), so reviving
// a tagged tuple checks the payload's shape: one that does not fit its kind (from an
// Erlang node, or a peer that lies) leaves the tuple as it came. Nothing here throws.

/** The atom that marks a tagged tuple. @internal */
export const OTP_TAG = Symbol.for('$otp');

const TYPED_ARRAYS = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

type TypedArrayName = keyof typeof TYPED_ARRAYS;

/** The atoms JavaScript reads as other values: a symbol of one of these names is tagged. @internal */
export const VALUE_ATOMS: ReadonlySet<string> = new Set(['true', 'false', 'nil', 'undefined']);

/** A tagged tuple to write: `{'$otp', kind, payload}`. @internal */
export class Tagged {
  constructor(
    readonly kind: string,
    readonly payload: unknown,
  ) {}
}

/** A tagged tuple for a value of `kind`. @internal */
export function tagged(kind: string, payload: unknown): Tagged {
  return new Tagged(kind, payload);
}

/** Whether a tuple of the user's reads as a tagged one, and must itself be tagged. @internal */
export function looksTagged(tuple: Tuple): boolean {
  return tuple.elements.length === 3 && tuple.elements[0] === OTP_TAG;
}

/**
 * The value a decoded tuple stands for: the JavaScript value of a tagged tuple it
 * recognises, else the tuple itself.
 * @internal
 */
export function reviveTagged(elements: unknown[], codec: PidCodec): unknown {
  if (elements.length !== 3 || elements[0] !== OTP_TAG || typeof elements[1] !== 'symbol') {
    return new Tuple(...elements);
  }
  const revived = reviveKind(Symbol.keyFor(elements[1]), elements[2], codec);
  return revived === NOT_TAGGED ? new Tuple(...elements) : revived;
}

/** What reviveKind gives for a payload that does not fit its kind. */
const NOT_TAGGED = Symbol('not tagged');

function reviveKind(kind: string | undefined, payload: unknown, codec: PidCodec): unknown {
  switch (kind) {
    case 'float':
      if (payload === 'NaN') return Number.NaN;
      if (payload === 'Infinity') return Number.POSITIVE_INFINITY;
      if (payload === '-Infinity') return Number.NEGATIVE_INFINITY;
      break;
    case 'bigint':
      if (Number.isSafeInteger(payload)) return BigInt(payload as number);
      if (typeof payload === 'bigint') return payload;
      break;
    case 'bytes':
      return bytesOf(payload) ?? NOT_TAGGED;
    case 'arraybuffer': {
      const bytes = bytesOf(payload);
      if (bytes !== undefined) return bytes.slice().buffer;
      break;
    }
    case 'DataView': {
      const bytes = bytesOf(payload);
      if (bytes !== undefined) return new DataView(bytes.slice().buffer);
      break;
    }
    case 'utf16': {
      const bytes = bytesOf(payload);
      if (bytes !== undefined && bytes.length % 2 === 0) return utf16Text(bytes);
      break;
    }
    case 'symbol':
      if (typeof payload === 'string') return Symbol.for(payload);
      break;
    case 'tuple':
      if (Array.isArray(payload)) return new Tuple(...payload);
      break;
    case 'map':
      // Written as a map of string keys, read as a Map (decode.ts keeps its order).
      if (payload instanceof Map) return payload;
      if (isPlainRecord(payload)) return new Map(Object.entries(payload));
      break;
    case 'nullproto':
      if (isPlainRecord(payload)) {
        return Object.assign(Object.create(null) as object, payload);
      }
      break;
    case 'set':
      if (Array.isArray(payload)) return new Set(payload);
      break;
    case 'date':
      if (typeof payload === 'number') return new Date(payload);
      break;
    case 'error':
      if (payload instanceof Map) return errorOf(payload) ?? NOT_TAGGED;
      break;
    case 'class':
      if (
        payload instanceof Tuple &&
        payload.length === 2 &&
        typeof payload.elements[0] === 'string' &&
        isPlainRecord(payload.elements[1])
      ) {
        const fields = payload.elements[1];
        const Class = registeredClass(payload.elements[0]);
        // A class this node has not registered arrives as its plain fields.
        return Class === undefined ? fields : reviveInstance(Class, fields);
      }
      break;
    case 'exit':
      if (payload instanceof Tuple && payload.length === 2 && codec.pidOf(payload.elements[0])) {
        return new Exit(payload.elements[0] as Pid, decodeReasonTerm(payload.elements[1]));
      }
      break;
    case 'down':
      if (payload instanceof Tuple && payload.length === 3 && codec.refOf(payload.elements[0])) {
        return new Down(
          payload.elements[0] as Ref,
          payload.elements[1] as Pid,
          decodeReasonTerm(payload.elements[2]),
        );
      }
      break;
    case 'nodedown':
      if (
        payload instanceof Tuple &&
        payload.length === 2 &&
        typeof payload.elements[0] === 'string'
      ) {
        return new NodeDown(payload.elements[0], decodeReasonTerm(payload.elements[1]));
      }
      break;
    default:
      if (kind !== undefined && Object.hasOwn(TYPED_ARRAYS, kind)) {
        const bytes = bytesOf(payload);
        const Typed = TYPED_ARRAYS[kind as TypedArrayName];
        if (bytes !== undefined && bytes.length % Typed.BYTES_PER_ELEMENT === 0) {
          return new Typed(bytes.slice().buffer);
        }
      }
  }
  return NOT_TAGGED;
}

/** The name under which a typed array travels, if `value` is one other than a Uint8Array. @internal */
export function typedArrayName(value: ArrayBufferView): TypedArrayName | 'DataView' | undefined {
  if (value instanceof DataView) return 'DataView';
  for (const name of Object.keys(TYPED_ARRAYS) as TypedArrayName[]) {
    if (value instanceof TYPED_ARRAYS[name]) return name;
  }
  return undefined;
}

/** The payload of a tagged error: `#{class, name, message, stack, cause, fields}`. @internal */
export function errorPayload(
  error: Error,
  className: string,
  fields: object,
): Map<symbol, unknown> {
  const payload = new Map<symbol, unknown>([
    [Symbol.for('class'), className],
    [Symbol.for('name'), error.name],
    [Symbol.for('message'), error.message],
  ]);
  if (typeof error.stack === 'string') payload.set(Symbol.for('stack'), error.stack);
  if ('cause' in error) payload.set(Symbol.for('cause'), error.cause);
  payload.set(Symbol.for('fields'), fields);
  return payload;
}

function errorOf(payload: Map<unknown, unknown>): Error | undefined {
  const className = payload.get(Symbol.for('class'));
  const name = payload.get(Symbol.for('name'));
  const message = payload.get(Symbol.for('message'));
  const stack = payload.get(Symbol.for('stack'));
  const fields = payload.get(Symbol.for('fields')) ?? {};
  if (typeof className !== 'string' || typeof message !== 'string' || !isPlainRecord(fields)) {
    return undefined;
  }
  return reviveError({
    className,
    ...(typeof name === 'string' ? { name } : {}),
    message,
    ...(typeof stack === 'string' ? { stack } : {}),
    ...(payload.has(Symbol.for('cause'))
      ? { cause: { value: payload.get(Symbol.for('cause')) } }
      : {}),
    fields,
  });
}

/** A binary's bytes, whether it decoded as text or not. */
function bytesOf(payload: unknown): Uint8Array | undefined {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return new TextEncoder().encode(payload);
  return undefined;
}

/** A string from its UTF-16 code units, little-endian: lone surrogates included. */
function utf16Text(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < units.length; i++) units[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  let text = '';
  // In chunks: a spread of a large array would overflow the stack.
  for (let i = 0; i < units.length; i += 8192) {
    text += String.fromCharCode(...units.subarray(i, i + 8192));
  }
  return text;
}

/** The UTF-16 code units of `text`, little-endian: for a string that is not well formed. @internal */
export function utf16Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 * i] = unit & 0xff;
    bytes[2 * i + 1] = unit >> 8;
  }
  return bytes;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}
