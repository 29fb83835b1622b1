import { describeValue } from '../describe.js';
import { Pid, Ref } from './pid.js';
import { Down, Exit, NodeDown } from './signals.js';
import { BitBinary, ImproperList, OpaqueTerm, Tuple } from './terms.js';

// Messages as a BEAM process sees them: with `messages: 'copy'`, what one process
// sends another is a copy, so neither side can change the other's data. The rules are
// SPEC section 1's, and the same rules will carry messages between nodes.

/** Classes whose instances a copy keeps with their prototype (`registerMessageClass`). */
const registered = new Set<abstract new (...args: never[]) => unknown>();

/**
 * Behaviours' own protocol messages that travel by reference even when messages are
 * copied: an Agent's request carries the caller's function, which no copy can carry
 * (the BEAM copies a closure; JavaScript cannot), and which only the agent runs.
 */
const sharedProtocol = new Set<object>();

/**
 * Lets instances of `Class` (a behaviour's protocol message) travel by reference under
 * `messages: 'copy'`. What they carry is the behaviour's business. @internal
 */
export function shareProtocolClass(Class: abstract new (...args: never[]) => unknown): void {
  sharedProtocol.add(Class.prototype as object);
}

/**
 * Lets instances of `Class` travel in messages copied by value (`messages: 'copy'`,
 * and between nodes): a copy gets `Class`'s prototype back and the instance's own
 * enumerable fields, copied by the same rules; the constructor is not run. Private
 * (`#`) fields do not travel.
 *
 * @param Class - the class to register.
 * @throws TypeError when `Class` is not a class (a function with a prototype).
 * @example
 * ```ts
 * class Item { constructor(readonly name: string, readonly price: number) {} }
 * registerMessageClass(Item);
 * const rt = new Runtime({ messages: 'copy' });
 * ```
 */
export function registerMessageClass(Class: abstract new (...args: never[]) => unknown): void {
  if (typeof Class !== 'function' || typeof Class.prototype !== 'object') {
    throw new TypeError(
      `registerMessageClass: expected \`Class\` to be a class, got ${describeValue(Class, 100)}`,
    );
  }
  registered.add(Class);
}

/**
 * A copy of `value` by the rules of SPEC section 1. Pids and refs keep their identity;
 * `Exit`, `Down`, errors, `Map`, `Set`, `Date`, typed arrays, registered classes and
 * the Erlang terms `Tuple`, `ImproperList`, `BitBinary`, `OpaqueTerm` keep their prototype; plain objects and arrays are copied field by field; shared
 * and circular references stay shared and circular in the copy.
 *
 * @throws TypeError naming the value's type and where it was found
 * (`message.items[2]`) for a function, a promise, a symbol not made by `Symbol.for`,
 * or an instance of a class that is neither built in nor registered.
 * @internal
 */
export function copyMessage(value: unknown, operation: string): unknown {
  if (typeof value !== 'object' || value === null)
    return copyPrimitive(value, operation, 'message');
  try {
    return new Copier(operation, false).copy(value, '');
  } catch (error) {
    if (!(error instanceof Uncopyable)) throw error;
    // Copy again, keeping track of where it is, only to say where the value was found.
    return new Copier(operation, true).copy(value, 'message');
  }
}

function copyPrimitive(value: unknown, operation: string, path: string): unknown {
  if (typeof value === 'function') throw uncopyable(operation, value, path, 'a function');
  if (typeof value === 'symbol' && Symbol.keyFor(value) === undefined) {
    throw uncopyable(operation, value, path, 'a symbol not made by Symbol.for');
  }
  return value;
}

function uncopyable(operation: string, value: unknown, path: string, what: string): TypeError {
  return new TypeError(
    `${operation}: cannot copy ${what} (${describeValue(value, 60)}) at ${path}: messages are copied by value; send data, pids and refs, and register classes with registerMessageClass`,
  );
}

/** Thrown by a copy that does not track paths: the caller copies again to name the path. */
class Uncopyable extends Error {}

class Copier {
  /** Objects already copied: shared and circular references stay so. */
  readonly #seen = new Map<object, unknown>();
  readonly #operation: string;
  /** Whether paths are built: only to name where an uncopyable value was found. */
  readonly #tracking: boolean;

  constructor(operation: string, tracking: boolean) {
    this.#operation = operation;
    this.#tracking = tracking;
  }

  copy(value: unknown, path: string): unknown {
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function') return this.#fail(value, path, 'a function');
      if (typeof value === 'symbol' && Symbol.keyFor(value) === undefined) {
        return this.#fail(value, path, 'a symbol not made by Symbol.for');
      }
      return value;
    }
    if (value instanceof Pid || value instanceof Ref) return value;
    const seen = this.#seen.get(value);
    if (seen !== undefined) return seen;
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== null && sharedProtocol.has(proto)) return value;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      this.#seen.set(value, out);
      for (let i = 0; i < value.length; i++) out.push(this.copy(value[i], this.#at(path, i)));
      return out;
    }
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
      this.#seen.set(value, out);
      this.#fields(value, out, path);
      return out;
    }
    if (value instanceof Map) {
      const out = new Map();
      this.#seen.set(value, out);
      for (const [k, v] of value) {
        out.set(
          this.copy(k, this.#at(path, '.keys()')),
          this.copy(v, this.#tracking ? `${path}.get(${describeValue(k, 30)})` : ''),
        );
      }
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      this.#seen.set(value, out);
      for (const v of value) out.add(this.copy(v, this.#at(path, '.values()')));
      return out;
    }
    if (value instanceof Date) return new Date(value.getTime());
    if (ArrayBuffer.isView(value)) return structuredClone(value);
    if (value instanceof ArrayBuffer) return value.slice(0);
    if (value instanceof Error) return this.#error(value, path);
    if (
      value instanceof Exit ||
      value instanceof Down ||
      value instanceof NodeDown ||
      value instanceof Tuple ||
      value instanceof ImproperList ||
      value instanceof BitBinary ||
      value instanceof OpaqueTerm ||
      isRegistered(value)
    ) {
      const out = Object.create(proto) as Record<string, unknown>;
      this.#seen.set(value, out);
      this.#fields(value, out, path);
      return out;
    }
    if (typeof (value as { then?: unknown }).then === 'function') {
      return this.#fail(value, path, 'a promise');
    }
    const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return this.#fail(
      value,
      path,
      `an instance of ${typeof name === 'string' && name !== '' ? name : 'an unregistered class'}`,
    );
  }

  /** `path` followed by `step`, when paths are tracked: no string is built otherwise. */
  #at(path: string, step: string | number): string {
    if (!this.#tracking) return '';
    return typeof step === 'number' ? `${path}[${step}]` : `${path}${step}`;
  }

  #fail(value: unknown, path: string, what: string): never {
    if (!this.#tracking) throw new Uncopyable();
    throw uncopyable(this.#operation, value, path, what);
  }

  /** Copies the own enumerable fields of `from` into `to`. */
  #fields(from: object, to: Record<string, unknown>, path: string): void {
    for (const key of Object.keys(from)) {
      to[key] = this.copy((from as Record<string, unknown>)[key], this.#at(path, `.${key}`));
    }
  }

  /** An error keeps its class, message, stack, cause and own fields. */
  #error(error: Error, path: string): Error {
    const out = Object.create(Object.getPrototypeOf(error) as object) as Error &
      Record<string, unknown>;
    this.#seen.set(error, out);
    Object.defineProperty(out, 'message', {
      value: error.message,
      writable: true,
      configurable: true,
    });
    if (error.stack !== undefined) {
      Object.defineProperty(out, 'stack', {
        value: error.stack,
        writable: true,
        configurable: true,
      });
    }
    if ('cause' in error) {
      Object.defineProperty(out, 'cause', {
        value: this.copy(error.cause, this.#at(path, '.cause')),
        writable: true,
        configurable: true,
      });
    }
    this.#fields(error, out, path);
    return out;
  }
}

/** The registered class named `name`, for a node that revives a copy. @internal */
export function registeredClass(
  name: string,
): (abstract new (...args: never[]) => unknown) | undefined {
  for (const Class of registered) if (Class.name === name) return Class;
  return undefined;
}

/** Whether `value` is an instance of a registered class; the class, if so. @internal */
export function registeredClassOf(
  value: object,
): (abstract new (...args: never[]) => unknown) | undefined {
  for (const Class of registered) if (value instanceof Class) return Class;
  return undefined;
}

function isRegistered(value: object): boolean {
  for (const Class of registered) if (value instanceof Class) return true;
  return false;
}
