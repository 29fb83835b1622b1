import { Down, Exit, type Pid, type Ref } from '../../core/kernel.js';
import { type PidCodec, Tuple } from './terms.js';

// JavaScript values with no Erlang term of their own travel as a tagged tuple
// `{'$otp', Kind, Payload}`, so that they come back as they left (the README's term
// table lists them): what Erlang code sees is plain data it can pass along.

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

/** A tagged tuple for `value`. @internal */
export function tagged(kind: string, payload: unknown): Tuple {
  return new Tuple(OTP_TAG, Symbol.for(kind), payload);
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
  const kind = Symbol.keyFor(elements[1]);
  const payload = elements[2];
  switch (kind) {
    case 'float':
      if (payload === 'NaN') return Number.NaN;
      if (payload === 'Infinity') return Number.POSITIVE_INFINITY;
      if (payload === '-Infinity') return Number.NEGATIVE_INFINITY;
      break;
    case 'bigint':
      if (typeof payload === 'number' || typeof payload === 'bigint') return BigInt(payload);
      break;
    case 'bytes':
      return bytesOf(payload) ?? new Tuple(...elements);
    case 'arraybuffer': {
      const bytes = bytesOf(payload);
      if (bytes !== undefined) return bytes.slice().buffer;
      break;
    }
    case 'map':
      if (payload instanceof Map) return payload;
      if (isPlainRecord(payload)) return new Map(Object.entries(payload));
      break;
    case 'set':
      if (Array.isArray(payload)) return new Set(payload);
      break;
    case 'date':
      if (typeof payload === 'number') return new Date(payload);
      break;
    case 'error':
      if (isPlainRecord(payload)) return reviveError(payload);
      break;
    case 'exit':
      if (payload instanceof Tuple && payload.length === 2 && codec.pidOf(payload.elements[0])) {
        return new Exit(payload.elements[0] as Pid, payload.elements[1]);
      }
      break;
    case 'down':
      if (payload instanceof Tuple && payload.length === 3 && codec.refOf(payload.elements[0])) {
        return new Down(
          payload.elements[0] as Ref,
          payload.elements[1] as Pid,
          payload.elements[2],
        );
      }
      break;
    default:
      if (kind !== undefined && kind in TYPED_ARRAYS) {
        const bytes = bytesOf(payload);
        const Typed = TYPED_ARRAYS[kind as TypedArrayName];
        if (bytes !== undefined && bytes.length % Typed.BYTES_PER_ELEMENT === 0) {
          return new Typed(bytes.slice().buffer);
        }
      }
  }
  return new Tuple(...elements);
}

/** The name under which a typed array travels, if `value` is one other than a Uint8Array. @internal */
export function typedArrayName(value: ArrayBufferView): TypedArrayName | undefined {
  for (const name of Object.keys(TYPED_ARRAYS) as TypedArrayName[]) {
    if (value instanceof TYPED_ARRAYS[name]) return name;
  }
  return undefined;
}

/** A binary's bytes, whether it decoded as text or not. */
function bytesOf(payload: unknown): Uint8Array | undefined {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return new TextEncoder().encode(payload);
  return undefined;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** The built-in error classes, which come back as themselves; any other error comes back as an Error with its name. */
const ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function reviveError(fields: Record<string, unknown>): Error {
  const message = typeof fields.message === 'string' ? fields.message : '';
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const Builtin = Object.hasOwn(ERRORS, name) ? ERRORS[name]! : Error;
  const error = new Builtin(message);
  if (error.name !== name) error.name = name;
  if (typeof fields.stack === 'string') error.stack = fields.stack;
  return error;
}
