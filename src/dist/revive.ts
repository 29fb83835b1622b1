import { registeredClass } from '../core/kernel.js';
import * as errors from '../errors.js';

// Reviving the class instances a message between nodes carries (errors, registered
// classes), shared by the thread codec (codec.ts) and the external term format
// (etf/), so that both carriers give back the same values. What comes in is untrusted
// over TCP: nothing here throws, and fields are defined rather than assigned, so that
// a field named `__proto__` is only a field and no setter of the class runs.

type AnyClass = abstract new (...args: never[]) => unknown;

/** The errors a node revives by name: the standard ones and otp-ts's own. */
const ERROR_CLASSES = new Map<string, AnyClass>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ...(Object.entries(errors) as [string, AnyClass][]),
]);

/**
 * The class an error of class `name` comes back as: a registered class of that name,
 * a standard error, one of otp-ts's errors, else `Error`. @internal
 */
export function errorClass(name: string): AnyClass {
  return registeredClass(name) ?? ERROR_CLASSES.get(name) ?? Error;
}

/** Defines `fields` as own enumerable fields of `target`, as a constructor's assignments make them. @internal */
export function defineFields(target: object, fields: object): void {
  for (const key of Object.keys(fields)) {
    Object.defineProperty(target, key, {
      value: (fields as Record<string, unknown>)[key],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

/** An instance of `Class` with `fields`, its constructor not run (as a copy makes it). @internal */
export function reviveInstance(Class: AnyClass, fields: object): unknown {
  const out = Object.create(Class.prototype as object) as object;
  defineFields(out, fields);
  return out;
}

/** What an error is made of on the wire. @internal */
export interface ErrorParts {
  /** The class to revive: see {@link errorClass}. */
  className: string;
  /** `error.name`, when it is not the one its class gives (an unknown class keeps its name). */
  name?: string;
  message: string;
  stack?: string;
  /** Present when the error had a cause (which may be `undefined`). */
  cause?: { value: unknown };
  /** The own enumerable fields (`reason`, `dest`, ...). */
  fields: object;
}

/**
 * An error of the class `parts.className` names, with its message, stack, cause and
 * fields, the class's constructor not run. @internal
 */
export function reviveError(parts: ErrorParts): Error {
  // Made by Error with the class's prototype: a native error (its stack, `Error.isError`,
  // util.inspect), its own constructor not run.
  const out = Reflect.construct(Error, [], errorClass(parts.className)) as Error;
  const hidden = (key: string, value: unknown) =>
    Object.defineProperty(out, key, { value, writable: true, configurable: true });
  hidden('message', parts.message);
  if (parts.stack !== undefined) hidden('stack', parts.stack);
  if (parts.cause !== undefined) hidden('cause', parts.cause.value);
  defineFields(out, parts.fields);
  // An error of a class this node does not know keeps its name (not as an own field).
  if (parts.name !== undefined && out.name !== parts.name) hidden('name', parts.name);
  return out;
}
